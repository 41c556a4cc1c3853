import ChorusTestSupport
import ClusterKit
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Speaks to a cluster's workers the way a gateway does, straight over Redis: it publishes
/// `RoomRequest`s and collects the replies on its own channel. For what a real gateway would
/// refuse to send (Redis is a trust boundary: the worker checks again).
final class BusPeer: Sendable {
    let gatewayID: String
    let names: ChannelNames
    private let replies = Mutex<[UInt64: RoomReply.Result]>([:])
    private let subscriber: RedisSubscriber
    private let connection: RedisConnection

    private init(gatewayID: String, names: ChannelNames, subscriber: RedisSubscriber, connection: RedisConnection) {
        self.gatewayID = gatewayID
        self.names = names
        self.subscriber = subscriber
        self.connection = connection
    }

    /// Runs `body` with a peer subscribed to its reply channel.
    static func with(names: ChannelNames, _ body: (BusPeer) async throws -> Void) async throws {
        let gatewayID = uniqueName("peer-")
        let url = try TestEnvironment.redisURL
        let box = Mutex<BusPeer?>(nil)
        let subscriber = RedisSubscriber(url: url, logger: Logger(label: "test.peer")) { _, payload in
            guard case .reply(let reply)? = try? ClusterMessage(decoding: payload) else { return }
            box.withLock { $0 }?.record(reply)
        }
        let connection = try await RedisConnection.connect(to: url)
        defer { connection.close() }
        let peer = BusPeer(gatewayID: gatewayID, names: names, subscriber: subscriber, connection: connection)
        box.withLock { $0 = peer }
        let group = ServiceGroup(configuration: .init(services: [subscriber], logger: Logger(label: "test.peer")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            _ = await subscriber.subscribeAndWait(names.gateway(gatewayID))
            do {
                try await body(peer)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    private func record(_ reply: RoomReply) {
        replies.withLock { $0[reply.requestID] = reply.result }
    }

    /// The reply to request `id`, once it came.
    func reply(_ id: UInt64, timeout: Duration = .seconds(10)) async -> RoomReply.Result? {
        _ = await eventually(timeout: timeout) { replies.withLock { $0[id] != nil } }
        return replies.withLock { $0[id] }
    }

    /// Publishes these requests to `worker` in one pipeline, so they arrive back to back.
    func publish(_ requests: [RoomRequest], to worker: String) async throws {
        let channel = names.worker(worker)
        _ = try await connection.pipeline(requests.map { request in
            ["PUBLISH", .string(channel), .bytes(ClusterMessage.request(request).encoded())]
        })
    }

    /// A request from this peer.
    func request(_ id: UInt64, room: Int64, user: Int64, username: String, _ kind: RoomRequest.Kind) -> RoomRequest {
        RoomRequest(requestID: id, gatewayID: gatewayID, roomID: room, userID: user, username: username, kind: kind)
    }
}
