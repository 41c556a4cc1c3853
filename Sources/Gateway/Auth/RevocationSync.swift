import ClusterKit
import Foundation
import Logging
import ServiceLifecycle

/// Keeps a gateway's sockets and the Redis cache in step with the revocations in Postgres.
///
/// Every `interval` it reads what was revoked since its last read (with an overlap, for
/// transactions that committed late) and closes the sockets opened with those tokens or by those
/// users (4001): a notification lost while the Redis subscriber reconnected, or never sent because
/// Redis failed after Postgres took the revocation, costs at most one interval. It also writes
/// them to Redis, and when Redis lost its copy (the synced marker is gone: a restart or a flush)
/// it copies every revocation back before setting the marker again.
final class RevocationSync: Service, Sendable {
    let store: RevocationStore
    let registry: ConnectionRegistry
    let interval: Duration
    let clock: any Clock<Duration>
    let logger: Logger
    /// How far back each read reaches before the previous one's newest row.
    static let overlap: Double = 5

    init(store: RevocationStore, registry: ConnectionRegistry, interval: Duration = .seconds(2), clock: any Clock<Duration> = ContinuousClock(), logger: Logger) {
        self.store = store
        self.registry = registry
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    func run() async throws {
        var since = Date().timeIntervalSince1970 - Self.overlap
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Sleep first: at start the migrations may not have run yet.
            try? await cancelWhenGracefulShutdown { try await self.clock.sleep(for: self.interval) }
            do {
                since = try await syncOnce(since: since)
            } catch {
                logger.warning("revocation sync failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One round; returns the next round's `since`.
    func syncOnce(since: Double) async throws -> Double {
        let now = Int64(Date().timeIntervalSince1970)
        if (try? await store.isCacheComplete()) == false {
            let all = try await store.postgres.changes(since: 0, userWindow: store.userMarkerLifetime)
            try await store.cache(all, now: now, complete: true)
            logger.notice("revocations copied back to Redis", metadata: ["tokens": "\(all.tokens.count)", "users": "\(all.users.count)"])
        }
        let changes = try await store.postgres.changes(since: since, userWindow: store.userMarkerLifetime)
        for token in changes.tokens { registry.revokeToken(token.tokenID) }
        for user in changes.users { registry.revokeUser(user) }
        if !changes.tokens.isEmpty || !changes.users.isEmpty { try? await store.cache(changes, now: now, complete: false) }
        return max(since, changes.latest - Self.overlap)
    }
}
