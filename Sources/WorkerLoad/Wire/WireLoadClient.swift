import ClusterKit
import LoadKit
import NIOCore

/// Acts as a gateway on the inter-node wire: publishes `send` requests to each room's owner
/// (`<cluster>:w:<worker>`), keeping `SendLedger.window` of them outstanding, and matches the
/// replies that arrive on its own channel (`<cluster>:g:<node id>`).
///
/// Lives on one event loop, the one of both Redis connections: every method runs there (use it
/// through `NIOLoopBound`). New requests go out in one pipelined write per loop tick, so that a
/// burst of replies is answered with one burst of requests.
final class WireLoadClient {
    /// What the client sends to room slot `i`.
    struct Target {
        var roomID: Int64
        /// `PUBLISH` channel of the room's owner.
        var workerChannel: RedisArgument
    }

    let eventLoop: any EventLoop
    let nodeID: String
    private let redis: RedisClient
    private let targets: [Target]
    private let users: Int
    private let userIDBase: Int64
    private let content: String
    /// Each send's `client_msg_id` is this + its index.
    let idPrefix: String
    private(set) var ledger: SendLedger
    private var pumpScheduled = false
    /// Clock of the ledger (monotonic nanoseconds); injected for tests of the whole loop.
    private let now: () -> UInt64

    init(
        eventLoop: any EventLoop, nodeID: String, redis: RedisClient, targets: [Target], ledger: SendLedger, users: Int,
        userIDBase: Int64, content: String, idPrefix: String, now: @escaping () -> UInt64 = { NIODeadline.now().uptimeNanoseconds }
    ) {
        precondition(targets.count == ledger.roomOwners.count && users > 0)
        self.eventLoop = eventLoop
        self.nodeID = nodeID
        self.redis = redis
        self.targets = targets
        self.ledger = ledger
        self.users = users
        self.userIDBase = userIDBase
        self.content = content
        self.idPrefix = idPrefix
        self.now = now
    }

    /// Fills the window now.
    func start() {
        pump()
    }

    func beginMeasure() { ledger.beginMeasure(now: now()) }
    func endMeasure() { ledger.endMeasure(now: now()) }
    func stop() { ledger.stop() }
    func failAllPending(code: String) { ledger.failAllPending(code: code) }
    func takeIntervalLatency() -> LatencyHistogram { ledger.takeIntervalLatency() }

    /// A message on the reply channel.
    func received(_ payload: ByteBuffer) {
        guard case .reply(let reply)? = try? ClusterMessage(decoding: payload) else {
            // Counted as a stray reply: request id 0 is never sent.
            ledger.failed(requestID: 0, code: "undecodable_reply")
            return
        }
        switch reply.result {
        case .acked(let seq): ledger.acked(requestID: reply.requestID, seq: seq, now: now())
        case .failed(let code, _): ledger.failed(requestID: reply.requestID, code: code.rawValue)
        case .joined, .done: ledger.failed(requestID: reply.requestID, code: "unexpected_reply")
        }
        schedulePump()
    }

    private func schedulePump() {
        guard !pumpScheduled else { return }
        pumpScheduled = true
        // Runs after the replies of this read are handled: one write for all the sends they freed.
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.execute {
            bound.value.pumpScheduled = false
            bound.value.pump()
        }
    }

    private func pump() {
        let sends = ledger.takeSends(now: now())
        guard !sends.isEmpty else { return }
        var commands: [[RedisArgument]] = []
        commands.reserveCapacity(sends.count)
        for index in sends {
            let target = targets[ledger.roomSlot(of: index)]
            let request = RoomRequest(
                requestID: UInt64(index) + 1, gatewayID: nodeID, roomID: target.roomID,
                userID: userIDBase + Int64(index % users), username: "bench\(index % users)",
                kind: .send(content: content, clientMessageID: idPrefix + String(index))
            )
            commands.append(["PUBLISH", target.workerChannel, .bytes(ClusterMessage.request(request).encoded())])
        }
        guard let written = redis.write(commands) else {
            for index in sends { ledger.failed(requestID: UInt64(index) + 1, code: "bus_unavailable") }
            return
        }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        written.hop(to: eventLoop).whenComplete { result in
            let client = bound.value
            switch result {
            case .success(let replies):
                // 0 receivers: nobody listens on the owner's channel (the worker is gone).
                for (index, reply) in zip(sends, replies) where reply.integer == 0 {
                    client.ledger.failed(requestID: UInt64(index) + 1, code: "no_subscriber")
                }
            case .failure:
                for index in sends { client.ledger.failed(requestID: UInt64(index) + 1, code: "bus_unavailable") }
            }
            client.schedulePump()
        }
    }
}
