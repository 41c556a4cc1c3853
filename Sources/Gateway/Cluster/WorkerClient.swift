import ClusterKit
import Logging
import NIOCore
import NIOPosix
import Prometheus
import Synchronization

/// Sends room requests to the worker that owns each room (by this gateway's ring view) over Redis
/// and matches the replies. Every request ends: with the owner's answer, or with `unavailable`
/// when no worker is live, nobody listens on the owner's channel, or the owner does not answer in time.
/// The time from publish to answer is observed in `requestDuration` (requests that were never
/// published, with no worker on the ring, are not).
final class WorkerClient: Sendable {
    /// A published request waiting for its answer.
    private struct Pending {
        let owner: String
        let promise: EventLoopPromise<RoomReply.Result>
        let started: NIODeadline
    }

    let gatewayID: String
    private let redis: RedisClient
    private let names: ChannelNames
    private let ring: RingWatcher
    private let timeout: TimeAmount
    private let eventLoop: any EventLoop
    private let requestDuration: DurationHistogram?
    private let pending = Mutex<(next: UInt64, promises: [UInt64: Pending])>((0, [:]))

    init(gatewayID: String, redis: RedisClient, names: ChannelNames, ring: RingWatcher, timeout: Duration,
         requestDuration: DurationHistogram? = nil, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.gatewayID = gatewayID
        self.requestDuration = requestDuration
        self.redis = redis
        self.names = names
        self.ring = ring
        self.timeout = TimeAmount(timeout)
        self.eventLoop = eventLoopGroup.any()
    }

    static let noWorker = RoomReply.Result.failed(code: .unavailable, message: "no worker is available for this room, retry")
    static let noAnswer = RoomReply.Result.failed(code: .unavailable, message: "the room's worker did not answer, retry")

    /// Publishes a request now (calls made one after another reach the worker in that order) and
    /// returns the future answer.
    func submit(roomID: Int64, identity: Identity, kind: RoomRequest.Kind) -> EventLoopFuture<RoomReply.Result> {
        guard let owner = ring.ring.owner(of: roomID) else { return eventLoop.makeSucceededFuture(Self.noWorker) }
        let promise = eventLoop.makePromise(of: RoomReply.Result.self)
        let entry = Pending(owner: owner, promise: promise, started: .now())
        let requestID = pending.withLock { state -> UInt64 in
            state.next &+= 1
            state.promises[state.next] = entry
            return state.next
        }
        let request = RoomRequest(
            requestID: requestID, gatewayID: gatewayID, roomID: roomID, userID: identity.userID, username: identity.username, kind: kind
        )
        let command: [RedisArgument] = ["PUBLISH", .string(names.worker(owner)), .bytes(ClusterMessage.request(request).encoded())]
        guard let written = redis.write([command]) else {
            complete(requestID, with: .failed(code: .unavailable, message: "cluster bus unavailable, retry"))
            return promise.futureResult
        }
        written.whenComplete { result in
            switch result {
            case .success(let replies) where replies.first?.integer == 0:
                // Nobody subscribed: the owner is gone (the ring has not caught up yet).
                self.complete(requestID, with: Self.noWorker)
            case .failure:
                self.complete(requestID, with: .failed(code: .unavailable, message: "cluster bus unavailable, retry"))
            default:
                break
            }
        }
        eventLoop.scheduleTask(in: timeout) { self.complete(requestID, with: Self.noAnswer) }
        return promise.futureResult
    }

    /// Publishes a request that needs no answer (typing).
    func notify(roomID: Int64, identity: Identity, kind: RoomRequest.Kind) {
        guard let owner = ring.ring.owner(of: roomID) else { return }
        let request = RoomRequest(requestID: 0, gatewayID: gatewayID, roomID: roomID, userID: identity.userID, username: identity.username, kind: kind)
        redis.write([["PUBLISH", .string(names.worker(owner)), .bytes(ClusterMessage.request(request).encoded())]])
    }

    /// A reply arrived on this gateway's channel.
    func handle(_ reply: RoomReply) {
        complete(reply.requestID, with: reply.result)
    }

    /// Answers every request still waiting with `unavailable` (the replies' connection was lost), so
    /// clients retry now instead of after the request timeout.
    func failAllPending() {
        let waiting = pending.withLock { state in
            defer { state.promises.removeAll() }
            return Array(state.promises.values)
        }
        for entry in waiting { finish(entry, .failed(code: .unavailable, message: "cluster bus unavailable, retry")) }
    }

    /// Answers `unavailable` at once to requests sent to workers no longer on the ring: a drained
    /// worker stops reading before it exits, and what it was sent last would otherwise wait for the
    /// request timeout.
    func failPending(notOn live: Set<String>) {
        let orphaned = pending.withLock { state -> [Pending] in
            let gone = state.promises.filter { !live.contains($0.value.owner) }
            for id in gone.keys { state.promises[id] = nil }
            return Array(gone.values)
        }
        for entry in orphaned { finish(entry, Self.noWorker) }
    }

    private func complete(_ requestID: UInt64, with result: RoomReply.Result) {
        guard let entry = pending.withLock({ $0.promises.removeValue(forKey: requestID) }) else { return }
        finish(entry, result)
    }

    private func finish(_ entry: Pending, _ result: RoomReply.Result) {
        requestDuration?.record(.nanoseconds((NIODeadline.now() - entry.started).nanoseconds))
        entry.promise.succeed(result)
    }
}
