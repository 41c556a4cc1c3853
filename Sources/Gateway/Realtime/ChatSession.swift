import ClusterKit
import Foundation
import Logging
import NIOCore
import NIOWebSocket

/// The chat protocol of one WebSocket connection: answers the client's messages and cleans up
/// when the connection ends. Called by the connection's `WebSocketHandler` on its event loop; it
/// never waits. The few steps that must wait (a join's subscription, the owner's answer, a
/// replay from Postgres) run as short tasks started by that join, which undo themselves if the
/// connection is gone by the time they finish.
struct ChatSession: Sendable {
    /// What every session of the gateway uses; one shared object, so that a session (kept by its
    /// connection's handler for the connection's life) is two references.
    final class Services: Sendable {
        let workers: WorkerClient
        let hub: RoomHub
        let history: PostgresRoomStore
        let registry: ConnectionRegistry
        /// Joins of one connection still waiting for their answer or replay.
        let maxJoinsInProgress: Int
        /// Replayed rows and `unavailable` answers are counted here.
        let metrics: GatewayMetrics
        let logger: Logger

        init(
            workers: WorkerClient, hub: RoomHub, history: PostgresRoomStore, registry: ConnectionRegistry,
            maxJoinsInProgress: Int, metrics: GatewayMetrics, logger: Logger
        ) {
            self.workers = workers
            self.hub = hub
            self.history = history
            self.registry = registry
            self.maxJoinsInProgress = maxJoinsInProgress
            self.metrics = metrics
            self.logger = logger
        }
    }

    let connection: ClientConnection
    let services: Services

    private var workers: WorkerClient { services.workers }
    private var hub: RoomHub { services.hub }
    private var history: PostgresRoomStore { services.history }
    private var registry: ConnectionRegistry { services.registry }

    /// A complete message from the client. Every message counts against the rate limit, also
    /// one that is binary or does not parse.
    func received(_ message: WebSocketStateMachine.Message, now: NIODeadline) {
        let allowed = allowControlFrame(now: now)
        switch message {
        case .binary:
            reject(.init(code: allowed ? .badRequest : .rateLimited, message: allowed ? "frames must be JSON text" : "too many frames, slow down", ref: nil))
        case .text(let bytes):
            handle(bytes, allowed: allowed)
        }
    }

    /// Takes a rate-limit token for a message or a ping (pings count like messages).
    func allowControlFrame(now: NIODeadline) -> Bool {
        connection.allow(now: Double(now.uptimeNanoseconds) / 1e9)
    }

    /// The connection is gone: it leaves its rooms here and at their owners.
    func ended() {
        registry.remove(connection.id)
        for roomID in connection.leaveAll() {
            hub.removeMember(roomID, connection)
            _ = workers.submit(roomID: roomID, identity: connection.identity, kind: .leave)
        }
    }

    private func reject(_ rejection: ClientFrame.Rejection) {
        services.metrics.answeredWebSocket(rejection.code)
        connection.send(ServerFrame.error(code: rejection.code, message: rejection.message, ref: rejection.ref))
    }

    private func handle(_ text: ByteBuffer, allowed: Bool) {
        let frame: ClientFrame
        do {
            frame = try ClientFrame.parse(text)
        } catch {
            return reject(allowed ? error : .init(code: .rateLimited, message: "too many frames, slow down", ref: error.ref))
        }
        guard allowed else {
            return reject(.init(code: .rateLimited, message: "too many frames, slow down", ref: frame.ref))
        }
        switch frame {
        case .ping:
            connection.send(ServerFrame.pong)
        case .join(let roomID, let sinceSeq):
            join(roomID, sinceSeq: sinceSeq)
        case .leave(let roomID):
            switch connection.setMembership(nil, of: roomID) {
            case nil: return reject(.init(code: .notJoined, message: "not joined to room \(roomID)", ref: frame.ref))
            case .closed: return reject(.init(code: .roomNotFound, message: "room \(roomID) was deleted", ref: frame.ref))
            case .removed: return reject(.init(code: .roomNotFound, message: "room not found", ref: frame.ref))
            case .joining, .joined: break
            }
            hub.removeMember(roomID, connection)
            _ = workers.submit(roomID: roomID, identity: connection.identity, kind: .leave)
            connection.send(ServerFrame.left(roomID: roomID))
        case .typing(let roomID):
            if let rejection = Self.notJoined(connection.membership(of: roomID), roomID, ref: frame.ref) { return reject(rejection) }
            workers.notify(roomID: roomID, identity: connection.identity, kind: .typing)
        case .send(let roomID, let content, let clientMessageID):
            let ref = frame.ref
            if let rejection = Self.notJoined(connection.membership(of: roomID), roomID, ref: ref) { return reject(rejection) }
            let connection = self.connection
            let metrics = services.metrics
            workers.submit(roomID: roomID, identity: connection.identity, kind: .send(content: content, clientMessageID: clientMessageID))
                .whenSuccess { result in
                    switch result {
                    case .acked(let seq):
                        connection.send(ServerFrame.ack(roomID: roomID, clientMessageID: clientMessageID, seq: seq))
                    case .failed(let code, let message):
                        metrics.answeredWebSocket(code)
                        connection.send(ServerFrame.error(code: code, message: message, ref: ref))
                    case .joined, .done:
                        connection.send(ServerFrame.error(code: .internal, message: "unexpected answer", ref: ref))
                    }
                }
        }
    }

    /// Why a connection in `membership` may not send or type in a room, if it may not.
    private static func notJoined(_ membership: ClientConnection.Membership?, _ roomID: Int64, ref: String) -> ClientFrame.Rejection? {
        switch membership {
        case .joining, .joined: nil
        case .closed: .init(code: .roomNotFound, message: "room \(roomID) was deleted", ref: ref)
        case .removed: .init(code: .roomNotFound, message: "room not found", ref: ref)
        case nil: .init(code: .notJoined, message: "not joined to room \(roomID)", ref: ref)
        }
    }

    /// Joins run as their own short tasks, so that the reader never waits for one. One that
    /// outlives its connection undoes itself: the connection's rooms were cleared when it ended.
    private func join(_ roomID: Int64, sinceSeq: Int64?) {
        if let membership = connection.membership(of: roomID), membership == .joining || membership == .joined {
            return reject(.init(code: .badRequest, message: "already joined to room \(roomID)", ref: ClientFrameType.join.rawValue))
        }
        // Each join costs a task, the owner's answer and maybe a replay: a client has a few at once.
        guard connection.beginJoin(limit: services.maxJoinsInProgress) else {
            return reject(.init(code: .rateLimited, message: "too many joins in progress, wait for their answers", ref: ClientFrameType.join.rawValue))
        }
        connection.setMembership(.joining, of: roomID)
        Task {
            await completeJoin(roomID, sinceSeq: sinceSeq)
            connection.endJoin()
        }
    }

    private func completeJoin(_ roomID: Int64, sinceSeq: Int64?) async {
        func fail(_ code: ErrorCode, _ message: String) {
            hub.removeMember(roomID, connection)
            if connection.membership(of: roomID) == .joining { connection.setMembership(nil, of: roomID) }
            reject(.init(code: code, message: message, ref: ClientFrameType.join.rawValue))
        }
        guard await hub.beginJoin(roomID, connection) else {
            return fail(.unavailable, "could not subscribe to the room, retry")
        }
        let result = (try? await workers.submit(roomID: roomID, identity: connection.identity, kind: .join(sinceSeq: sinceSeq)).get())
            ?? WorkerClient.noAnswer
        switch result {
        case .joined(let lastSeq, let replay):
            /// Left (or closed) while joining: undo the presence the owner just counted.
            func undo() {
                hub.removeMember(roomID, connection)
                _ = workers.submit(roomID: roomID, identity: connection.identity, kind: .leave)
            }
            guard connection.membership(of: roomID) == .joining else { return undo() }
            connection.send(ServerFrame.joined(roomID: roomID, lastSeq: lastSeq))
            if let sinceSeq, sinceSeq < lastSeq {
                if let replay {
                    for frame in replay { connection.deliver(frame) }
                } else if await !replayFromHistory(roomID, after: sinceSeq, upTo: lastSeq) {
                    _ = workers.submit(roomID: roomID, identity: connection.identity, kind: .leave)
                    return fail(.unavailable, "history is unavailable, retry the join")
                }
            }
            // Joined, unless it left or went meanwhile (checked and set at once).
            guard connection.promote(roomID) else { return undo() }
            hub.completeJoin(roomID, connection, lastSeq: lastSeq)
        case .failed(let code, let message):
            fail(code, message)
        case .acked, .done:
            fail(.internal, "unexpected answer")
        }
    }

    /// Rows of one history page: with the replay budget (half of `WS_OUTBOUND_BUFFER_BYTES`),
    /// what a replay holds for a client that does not read.
    static let replayPageRows = 256

    /// Sends messages `(after, upTo]` from Postgres, page by page. The next page is read only
    /// once the socket has taken the last one (back-pressure); each page after the first costs a
    /// token of the client's frame rate (it waits for one); the replay stops when the client
    /// leaves or goes. A client that stops reading is closed by its socket (4008).
    private func replayFromHistory(_ roomID: Int64, after: Int64, upTo: Int64) async -> Bool {
        var cursor = after
        var first = true
        while cursor < upTo {
            guard connection.membership(of: roomID) == .joining else { return true }
            if !first {
                let wait = connection.takeOrWait(now: Self.uptimeSeconds())
                if wait > 0 {
                    try? await Task.sleep(for: .seconds(min(wait, 1)))
                    continue
                }
            }
            first = false
            guard let page = try? await history.messages(roomID: roomID, afterSeq: cursor, beforeSeq: upTo + 1, limit: Self.replayPageRows),
                !page.isEmpty
            else { return cursor >= upTo }
            services.metrics.replayedRows.increment(by: Int64(page.count))
            // The connection ended: stop reading for it.
            guard await connection.sendReplay(page.map { ServerFrame.message($0.chatMessage) }) else { return true }
            cursor = page[page.count - 1].seq
        }
        return true
    }

    private static func uptimeSeconds() -> Double {
        Double(NIODeadline.now().uptimeNanoseconds) / 1e9
    }
}

extension ClientFrame {
    /// The `ref` of an error about this frame: its `client_msg_id`, else its type.
    var ref: String {
        if case .send(_, _, let clientMessageID?) = self { return clientMessageID }
        return type.rawValue
    }
}
