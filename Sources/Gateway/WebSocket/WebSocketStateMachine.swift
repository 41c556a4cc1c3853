import ClusterKit
import NIOCore

/// RFC 6455 for one server-side connection, after the upgrade: what to do with each frame the
/// decoder produced, with a close asked for by the server, and with the passing of time.
///
/// Pure: no I/O, time passed in. The channel handler (`WebSocketHandler`) feeds it and carries out
/// the returned action. It checks what NIO's `WebSocketFrameDecoder` leaves to its user: masking,
/// RSV bits, opcodes, fragmentation (bytes and fragment count bounded, one partial message at a
/// time), UTF-8 of text messages (incrementally, failing on the first bad fragment) and of close
/// reasons, close codes, the close handshake, ping/pong, and idle peers.
struct WebSocketStateMachine {
    struct Configuration: Sendable {
        /// Largest message, summed over its fragments (also the decoder's frame limit): 1009 above.
        var maxMessageBytes = 65_536
        /// Most fragments one message may have (empty ones count): 1008 above, so that endless
        /// empty continuation frames cannot keep a connection busy.
        var maxFragments = 1_024
        /// Inbound silence after which the server sends a ping.
        var pingInterval: TimeAmount = .seconds(30)
        /// Further silence after that ping before the connection is dropped.
        var pongTimeout: TimeAmount = .seconds(30)
        /// How long a server-initiated close waits for the client's close frame.
        var closeTimeout: TimeAmount = .seconds(2)
    }

    /// A frame as the decoder produced it, its payload already unmasked.
    struct Frame {
        var fin: Bool
        /// RSV1–3 as in the first header byte (mask 0x70); no extension is negotiated, so any set bit is an error.
        var reservedBits: UInt8
        var opcode: UInt8
        var masked: Bool
        var payload: ByteBuffer
    }

    enum Message: Equatable {
        case text(ByteBuffer)
        case binary(ByteBuffer)
    }

    struct Close: Equatable {
        var code: CloseCode
        var reason: String
    }

    enum Action: Equatable {
        case none
        /// A complete, valid message for the application.
        case deliver(Message)
        case sendPong(ByteBuffer)
        case sendPing
        /// Send this close frame and keep the socket until the client answers (or the timer says).
        case sendClose(Close)
        /// Close the TCP connection, after sending this close frame if there is one.
        case closeConnection(sendingClose: Close?)
    }

    private struct PartialMessage {
        var isText: Bool
        var buffer: ByteBuffer
        var fragments: Int
        var utf8: UTF8Validator
    }

    private enum State {
        case open(PartialMessage?)
        /// The server's close frame is out; waiting for the client's until `deadline`.
        case closing(deadline: NIODeadline)
        case closed
    }

    let configuration: Configuration
    private var state: State = .open(nil)
    private var lastReceived: NIODeadline
    private var pingSentAt: NIODeadline?
    /// When the connection's token expires: then it is closed with 4001.
    private let expiresAt: NIODeadline?

    init(configuration: Configuration, now: NIODeadline, expiresAt: NIODeadline? = nil) {
        self.configuration = configuration
        self.lastReceived = now
        self.expiresAt = expiresAt
    }

    var isOpen: Bool {
        if case .open = state { return true }
        return false
    }

    /// When `timerFired` should run next; `nil` once closed.
    var nextDeadline: NIODeadline? {
        switch state {
        case .closed:
            return nil
        case .closing(let deadline):
            return deadline
        case .open:
            let idle = pingSentAt.map { $0 + configuration.pongTimeout } ?? lastReceived + configuration.pingInterval
            guard let expiresAt else { return idle }
            return min(idle, expiresAt)
        }
    }

    // MARK: Events

    /// A frame arrived.
    mutating func frameReceived(_ frame: Frame, now: NIODeadline) -> Action {
        lastReceived = now
        pingSentAt = nil
        let partial: PartialMessage?
        switch state {
        case .closed:
            return .none
        case .closing:
            // Data after our close frame is discarded (§1.4); only the client's close matters.
            guard frame.opcode == 0x8 else { return .none }
            state = .closed
            return .closeConnection(sendingClose: nil)
        case .open(let open):
            partial = open
        }
        guard frame.masked else { return fail(.protocolError, "client frames must be masked") }
        guard frame.reservedBits == 0 else { return fail(.protocolError, "reserved bits set without a negotiated extension") }
        switch frame.opcode {
        case 0x8:
            return closeReceived(frame.payload)
        case 0x9:
            return .sendPong(frame.payload)
        case 0xA:
            return .none
        case 0x1, 0x2:
            guard partial == nil else { return fail(.protocolError, "a new message began before the fragmented one ended") }
            var message = PartialMessage(isText: frame.opcode == 0x1, buffer: frame.payload, fragments: 1, utf8: UTF8Validator())
            return continueMessage(&message, with: nil, fin: frame.fin)
        case 0x0:
            guard var message = partial else { return fail(.protocolError, "a continuation frame without a message to continue") }
            message.fragments += 1
            guard message.fragments <= configuration.maxFragments else {
                return fail(.policyViolation, "a message of more than \(configuration.maxFragments) fragments")
            }
            return continueMessage(&message, with: frame.payload, fin: frame.fin)
        default:
            return fail(.protocolError, "reserved opcode \(frame.opcode)")
        }
    }

    /// The decoder refused the byte stream (a frame over the size limit, a fragmented or long control frame).
    mutating func decodingFailed(tooLarge: Bool) -> Action {
        tooLarge ? fail(.messageTooBig, "frame larger than \(configuration.maxMessageBytes) bytes") : fail(.protocolError, "malformed control frame")
    }

    /// The server closes: the first close asked for wins; `timeout` overrides the configured wait
    /// for the client's answer (a slow consumer gets longer, to read what is queued before it).
    mutating func closeRequested(_ close: Close, now: NIODeadline, timeout: TimeAmount? = nil) -> Action {
        guard case .open = state else { return .none }
        state = .closing(deadline: now + (timeout ?? configuration.closeTimeout))
        return .sendClose(close)
    }

    /// Time passed: ping an idle client, drop one that does not answer, close an expired token,
    /// give up on a close handshake.
    mutating func timerFired(now: NIODeadline) -> Action {
        switch state {
        case .closed:
            return .none
        case .closing(let deadline):
            guard now >= deadline else { return .none }
            state = .closed
            return .closeConnection(sendingClose: nil)
        case .open:
            if let expiresAt, now >= expiresAt {
                return closeRequested(Close(code: .tokenRevoked, reason: "token expired"), now: now)
            }
            if let pingSentAt {
                guard now >= pingSentAt + configuration.pongTimeout else { return .none }
                return fail(.goingAway, "no answer to ping")
            }
            guard now >= lastReceived + configuration.pingInterval else { return .none }
            pingSentAt = now
            return .sendPing
        }
    }

    /// The TCP connection is gone.
    mutating func channelClosed() {
        state = .closed
    }

    // MARK: Helpers

    private mutating func continueMessage(_ message: inout PartialMessage, with fragment: ByteBuffer?, fin: Bool) -> Action {
        let added = fragment ?? message.buffer
        if let fragment {
            guard message.buffer.readableBytes + fragment.readableBytes <= configuration.maxMessageBytes else {
                return fail(.messageTooBig, "message larger than \(configuration.maxMessageBytes) bytes")
            }
        } else if message.buffer.readableBytes > configuration.maxMessageBytes {
            return fail(.messageTooBig, "message larger than \(configuration.maxMessageBytes) bytes")
        }
        if message.isText {
            guard message.utf8.validate(added.readableBytesView) else { return fail(.invalidPayload, "text is not valid UTF-8") }
        }
        if var fragment {
            message.buffer.writeBuffer(&fragment)
        }
        guard fin else {
            state = .open(message)
            return .none
        }
        state = .open(nil)
        if message.isText {
            guard message.utf8.isComplete else { return fail(.invalidPayload, "text ends inside a UTF-8 character") }
            return .deliver(.text(message.buffer))
        }
        return .deliver(.binary(message.buffer))
    }

    private mutating func closeReceived(_ payload: ByteBuffer) -> Action {
        var payload = payload
        guard payload.readableBytes != 1 else { return fail(.protocolError, "close frame with a one-byte body") }
        var answer = Close(code: .normal, reason: "")
        if let raw = payload.readInteger(as: UInt16.self) {
            let code = CloseCode(rawValue: raw)
            guard code.isValidOnTheWire else { return fail(.protocolError, "invalid close code \(raw)") }
            var utf8 = UTF8Validator()
            guard utf8.validate(payload.readableBytesView), utf8.isComplete else {
                return fail(.invalidPayload, "close reason is not valid UTF-8")
            }
            answer.code = code
        }
        state = .closed
        return .closeConnection(sendingClose: answer)
    }

    /// Fails the connection (§7.1.7): a close frame with `code`, then the TCP connection goes.
    private mutating func fail(_ code: CloseCode, _ reason: String) -> Action {
        state = .closed
        return .closeConnection(sendingClose: Close(code: code, reason: reason))
    }
}
