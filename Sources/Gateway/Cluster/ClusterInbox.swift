import ClusterKit
import Logging
import NIOCore
import Synchronization

/// Where the gateway's Redis subscription delivers: decodes each cluster message and hands it to
/// the part that owns it. Called on an event loop: it only routes, never blocks.
final class ClusterInbox: Sendable {
    private struct Targets {
        var workers: WorkerClient?
        var hub: RoomHub?
        var ring: RingWatcher?
    }

    let registry: ConnectionRegistry
    private let logger: Logger
    private let targets = Mutex(Targets())

    init(registry: ConnectionRegistry, logger: Logger) {
        self.registry = registry
        self.logger = logger
    }

    /// Connects the parts built after the subscriber (they need it themselves).
    func attach(workers: WorkerClient, hub: RoomHub, ring: RingWatcher) {
        targets.withLock { $0 = Targets(workers: workers, hub: hub, ring: ring) }
    }

    func handle(channel: String, payload: ByteBuffer) {
        let message: ClusterMessage
        do {
            message = try ClusterMessage(decoding: payload)
        } catch {
            logger.warning("undecodable cluster message", metadata: ["channel": "\(channel)", "error": "\(error)"])
            return
        }
        let targets = self.targets.withLock { $0 }
        switch message {
        case .reply(let reply): targets.workers?.handle(reply)
        case .event(let roomID, let event): targets.hub?.handle(roomID: roomID, event: event)
        case .tokenRevoked(let jti, _, _): registry.revokeToken(jti)
        case .userRevoked(let userID): registry.revokeUser(userID)
        case .membershipChanged: targets.ring?.refresh()
        case .request: break
        }
    }

    /// The ring changed.
    func ringChanged(_ ring: HashRing) {
        let (hub, workers) = targets.withLock { ($0.hub, $0.workers) }
        // A worker that left the ring (drained or dead) may never answer what it was sent.
        workers?.failPending(notOn: Set(ring.nodes))
        hub?.ringChanged(ring)
    }

    /// The subscription came back after a loss: rooms catch up on what was published meanwhile.
    func connectionChanged(_ connected: Bool) {
        if connected {
            targets.withLock { $0.hub }?.catchUpAll()
        } else {
            // Replies travel on the lost connection: nothing that waits for one can get it now.
            targets.withLock { $0.workers }?.failAllPending()
        }
    }
}
