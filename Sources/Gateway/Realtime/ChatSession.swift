import ClusterKit
import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket

/// Serves one WebSocket connection: reads client frames, answers them, writes the outbound queue,
/// and closes with the contract's codes. An error ends this connection only, never the server.
struct ChatSession {
    let connection: ClientConnection
    let workers: WorkerClient
    let hub: RoomHub
    let history: PostgresRoomStore
    let registry: ConnectionRegistry
    /// Checked once more after the socket is registered: a logout between the upgrade's check and
    /// the registration would otherwise leave the socket open until the token expires.
    let revocations: RevocationStore
    /// Largest accepted message (a message may span several frames).
    let maxMessageBytes: Int
    let logger: Logger

    /// Runs until the client leaves or the connection is closed by the server.
    ///
    /// The connection holds no task of its own besides this one, which reads: frames go out through
    /// the event loop's `LoopWriter`, the token's expiry is a timer on the event loop, and a close
    /// starts a short task (see `closer(outbound:channel:)`) only when it happens. Idle
    /// connections are what a gateway holds most of, so each task saved is memory per connection.
    func run(inbound: WebSocketInboundStream) async {
        registry.add(connection)
        let identity = connection.identity
        if (try? await revocations.isRevoked(tokenID: identity.tokenID, userID: identity.userID)) == true {
            connection.close(code: 4001, reason: "token revoked")
        }
        let remaining = Double(identity.expiresAt) - Date().timeIntervalSince1970
        let expiry = connection.channel.eventLoop.scheduleTask(in: .milliseconds(Int64(max(0, remaining) * 1000))) { [connection] in
            connection.close(code: 4001, reason: "token expired")
        }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            for try await message in inbound.messages(maxSize: maxMessageBytes) {
                guard case .text(let text) = message else {
                    reject(.init(code: "bad_request", message: "frames must be JSON text", ref: nil))
                    continue
                }
                let elapsed = clock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                handle(text, now: seconds)
            }
        } catch {
            logger.debug("websocket read ended", metadata: ["error": "\(error)"])
        }
        expiry.cancel()
        connection.close(code: 1000, reason: "")
        registry.remove(connection)
        for roomID in connection.leaveAll() {
            hub.removeMember(roomID, connection)
            _ = workers.submit(roomID: roomID, identity: connection.identity, kind: .leave)
        }
    }

    /// What a connection does when a close is asked for (on its event loop, after the frames
    /// before it): send the close frame through the WebSocket library, which then waits for the
    /// client's answer; a client that does not answer within `timeout` loses the socket, which
    /// ends the read loop of `run`. A slow consumer (4008) gets `slowConsumerGrace` instead: its
    /// close frame waits behind the bytes it has not read yet, and it should still learn why it
    /// was closed (and resume with `since_seq`) if it reads again; what it holds meanwhile is
    /// bounded by `WS_OUTBOUND_BUFFER_BYTES` and the kernel's socket buffer.
    static func closer(outbound: WebSocketOutboundWriter, channel: any Channel, timeout: TimeAmount) -> @Sendable (UInt16, String) -> Void {
        { code, reason in
            Task {
                try? await outbound.close(.init(codeNumber: Int(code)), reason: reason)
            }
            let grace = code == ClientSocket.slowConsumer ? slowConsumerGrace : timeout
            channel.eventLoop.scheduleTask(in: grace) { channel.close(promise: nil) }
        }
    }

    /// How long a slow consumer's socket stays open after its 4008 close was asked for.
    static let slowConsumerGrace: TimeAmount = .seconds(60)

    private func reject(_ rejection: ClientFrame.Rejection) {
        connection.send(ServerFrame.error(code: rejection.code, message: rejection.message, ref: rejection.ref))
    }

    private func handle(_ text: String, now: Double) {
        let frame: ClientFrame
        do {
            frame = try ClientFrame.parse(text)
        } catch {
            return reject(error)
        }
        guard connection.allow(now: now) else {
            return reject(.init(code: "rate_limited", message: "too many frames, slow down", ref: frame.ref))
        }
        switch frame {
        case .ping:
            connection.send(ServerFrame.pong)
        case .join(let roomID, let sinceSeq):
            join(roomID, sinceSeq: sinceSeq)
        case .leave(let roomID):
            switch connection.setMembership(nil, of: roomID) {
            case nil: return reject(.init(code: "not_joined", message: "not joined to room \(roomID)", ref: "leave"))
            case .closed: return reject(.init(code: "room_not_found", message: "room \(roomID) was deleted", ref: "leave"))
            case .joining, .joined: break
            }
            hub.removeMember(roomID, connection)
            _ = workers.submit(roomID: roomID, identity: connection.identity, kind: .leave)
            connection.send(ServerFrame.left(roomID: roomID))
        case .typing(let roomID):
            if let rejection = Self.notJoined(connection.membership(of: roomID), roomID, ref: "typing") { return reject(rejection) }
            workers.notify(roomID: roomID, identity: connection.identity, kind: .typing)
        case .send(let roomID, let content, let clientMessageID):
            let ref = clientMessageID ?? "send"
            if let rejection = Self.notJoined(connection.membership(of: roomID), roomID, ref: ref) { return reject(rejection) }
            let connection = self.connection
            workers.submit(roomID: roomID, identity: connection.identity, kind: .send(content: content, clientMessageID: clientMessageID))
                .whenSuccess { result in
                    switch result {
                    case .acked(let seq):
                        connection.send(ServerFrame.ack(roomID: roomID, clientMessageID: clientMessageID, seq: seq))
                    case .failed(let code, let message):
                        connection.send(ServerFrame.error(code: code, message: message, ref: ref))
                    case .joined, .done:
                        connection.send(ServerFrame.error(code: "internal", message: "unexpected answer", ref: ref))
                    }
                }
        }
    }

    /// Why a connection in `membership` may not send or type in a room, if it may not.
    private static func notJoined(_ membership: ClientConnection.Membership?, _ roomID: Int64, ref: String) -> ClientFrame.Rejection? {
        switch membership {
        case .joining, .joined: nil
        case .closed: .init(code: "room_not_found", message: "room \(roomID) was deleted", ref: ref)
        case nil: .init(code: "not_joined", message: "not joined to room \(roomID)", ref: ref)
        }
    }

    /// Joins run as their own short tasks, so that the reader never waits for one. One that
    /// outlives its connection undoes itself: the connection's rooms were cleared when it ended.
    private func join(_ roomID: Int64, sinceSeq: Int64?) {
        if let membership = connection.membership(of: roomID), membership != .closed {
            return reject(.init(code: "bad_request", message: "already joined to room \(roomID)", ref: "join"))
        }
        connection.setMembership(.joining, of: roomID)
        Task {
            await completeJoin(roomID, sinceSeq: sinceSeq)
        }
    }

    private func completeJoin(_ roomID: Int64, sinceSeq: Int64?) async {
        func fail(_ code: String, _ message: String) {
            hub.removeMember(roomID, connection)
            if connection.membership(of: roomID) == .joining { connection.setMembership(nil, of: roomID) }
            reject(.init(code: code, message: message, ref: "join"))
        }
        guard await hub.beginJoin(roomID, connection) else {
            return fail("unavailable", "could not subscribe to the room, retry")
        }
        let result = (try? await workers.submit(roomID: roomID, identity: connection.identity, kind: .join(sinceSeq: sinceSeq)).get())
            ?? WorkerClient.noAnswer
        switch result {
        case .joined(let lastSeq, let replay):
            guard connection.membership(of: roomID) == .joining else {
                // Left (or closed) while joining: undo the presence the owner just counted.
                hub.removeMember(roomID, connection)
                _ = workers.submit(roomID: roomID, identity: connection.identity, kind: .leave)
                return
            }
            connection.send(ServerFrame.joined(roomID: roomID, lastSeq: lastSeq))
            if let sinceSeq, sinceSeq < lastSeq {
                if let replay {
                    for frame in replay { connection.send(frame) }
                } else if await !replayFromHistory(roomID, after: sinceSeq, upTo: lastSeq) {
                    _ = workers.submit(roomID: roomID, identity: connection.identity, kind: .leave)
                    return fail("unavailable", "history is unavailable, retry the join")
                }
            }
            connection.setMembership(.joined, of: roomID)
            hub.completeJoin(roomID, connection, lastSeq: lastSeq)
        case .failed(let code, let message):
            fail(code, message)
        case .acked, .done:
            fail("internal", "unexpected answer")
        }
    }

    /// Sends messages `(after, upTo]` from Postgres, page by page.
    private func replayFromHistory(_ roomID: Int64, after: Int64, upTo: Int64) async -> Bool {
        var cursor = after
        while cursor < upTo {
            guard let page = try? await history.messages(roomID: roomID, afterSeq: cursor, beforeSeq: upTo + 1, limit: 500),
                !page.isEmpty
            else { return cursor >= upTo }
            for record in page { connection.send(ServerFrame.message(record.chatMessage)) }
            cursor = page[page.count - 1].seq
        }
        return true
    }
}

extension ClientFrame {
    /// The `ref` of an error about this frame: its `client_msg_id`, else its type.
    var ref: String {
        switch self {
        case .join: "join"
        case .leave: "leave"
        case .typing: "typing"
        case .ping: "ping"
        case .send(_, _, let clientMessageID): clientMessageID ?? "send"
        }
    }
}
