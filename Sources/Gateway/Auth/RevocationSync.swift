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
        var cursor = Cursor(since: Date().timeIntervalSince1970 - Self.overlap)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Sleep first: at start the migrations may not have run yet.
            try? await cancelWhenGracefulShutdown { try await self.clock.sleep(for: self.interval) }
            do {
                cursor = try await syncOnce(cursor)
            } catch {
                logger.warning("revocation sync failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Where the next read starts, and what the last read already handled: the overlap returns
    /// those rows again, and they are not closed or cached twice.
    struct Cursor: Sendable {
        var since: Double
        var handled: Set<String> = []
    }

    /// One round; returns the next round's cursor.
    func syncOnce(_ cursor: Cursor) async throws -> Cursor {
        let now = Int64(Date().timeIntervalSince1970)
        if (try? await store.isCacheComplete()) == false {
            let all = try await store.postgres.changes(since: 0, userWindow: store.userMarkerLifetime)
            try await store.cache(all, now: now, complete: true)
            logger.notice("revocations copied back to Redis", metadata: ["tokens": "\(all.tokens.count)", "users": "\(all.users.count)"])
        }
        var changes = try await store.postgres.changes(since: cursor.since, userWindow: store.userMarkerLifetime)
        var handled = Set<String>()
        changes.tokens.removeAll { token in
            let key = "t:\(token.tokenID)"
            handled.insert(key)
            return cursor.handled.contains(key)
        }
        changes.users.removeAll { user in
            let key = "u:\(user)"
            handled.insert(key)
            return cursor.handled.contains(key)
        }
        for token in changes.tokens { registry.revokeToken(token.tokenID) }
        for user in changes.users { registry.revokeUser(user) }
        if !changes.tokens.isEmpty || !changes.users.isEmpty { try? await store.cache(changes, now: now, complete: false) }
        return Cursor(since: max(cursor.since, changes.latest - Self.overlap), handled: handled)
    }
}
