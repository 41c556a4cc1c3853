/// A WebSocket close status code (RFC 6455 §7.4) and the contract's own (4xxx): one vocabulary for
/// the gateway that sends them and the clients that read them.
///
/// What a client should do on each (`clientShouldReconnect`):
///
/// | code | meaning | client |
/// | --- | --- | --- |
/// | 1000 | normal closure (an echo of the client's own close) | final: it asked to close |
/// | 1001 | going away: drain, shutdown, or no answer to pings | reconnect, resume with `since_seq` |
/// | 1002 | protocol error (broke RFC 6455) | final: do not retry the same thing |
/// | 1006 | abnormal closure: the TCP connection dropped without a close frame (local only) | reconnect, resume |
/// | 1007 | invalid payload (text that is not UTF-8) | final |
/// | 1008 | policy violation (too many fragments) | final |
/// | 1009 | message too big (`WS_MAX_FRAME_BYTES`) | final |
/// | 1011 | internal error | reconnect, resume |
/// | 1012 | service restart | reconnect, resume |
/// | 1013 | try again later | reconnect, resume |
/// | 4001 | token expired or revoked | final: log in again first |
/// | 4008 | slow consumer (outbound buffer overflowed) | reconnect, resume with `since_seq` |
///
/// Reconnects should back off with jitter. Any other code is final.
public struct CloseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The two-byte code carried in a close frame.
    public let rawValue: UInt16

    /// Wraps any code, also one this type has no constant for (a peer may send it).
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Normal closure: the close handshake both sides wanted.
    public static let normal = CloseCode(rawValue: 1000)
    /// Server going away (drain or shutdown), or a peer that stopped answering pings.
    public static let goingAway = CloseCode(rawValue: 1001)
    /// The client broke RFC 6455 (unmasked frame, RSV bits, bad opcode, bad fragmentation).
    public static let protocolError = CloseCode(rawValue: 1002)
    /// The connection dropped without a close frame. Reserved: reported locally, never sent.
    public static let abnormalClosure = CloseCode(rawValue: 1006)
    /// A text message (or close reason) that is not valid UTF-8.
    public static let invalidPayload = CloseCode(rawValue: 1007)
    /// A message split into more fragments than allowed.
    public static let policyViolation = CloseCode(rawValue: 1008)
    /// A frame or message over the size limit (`WS_MAX_FRAME_BYTES`).
    public static let messageTooBig = CloseCode(rawValue: 1009)
    /// The server hit a condition it did not expect.
    public static let internalError = CloseCode(rawValue: 1011)
    /// The server is restarting.
    public static let serviceRestart = CloseCode(rawValue: 1012)
    /// The server is overloaded for now.
    public static let tryAgainLater = CloseCode(rawValue: 1013)
    /// The token expired or was revoked (logout, account deletion).
    public static let tokenRevoked = CloseCode(rawValue: 4001)
    /// The client did not read: its outbound buffer overflowed.
    public static let slowConsumer = CloseCode(rawValue: 4008)

    /// `true` when a client closed with this code should reconnect (with backoff) and rejoin its
    /// rooms with `since_seq`; `false` when the close is final: reconnecting as it was would fail
    /// the same way (4001 needs a new token; 1002, 1007, 1008, 1009 are client bugs). See the table
    /// on the type.
    public var clientShouldReconnect: Bool {
        switch self {
        case .goingAway, .abnormalClosure, .internalError, .serviceRestart, .tryAgainLater, .slowConsumer: true
        default: false
        }
    }

    /// Whether a peer may send this code in a close frame (RFC 6455 §7.4.1–7.4.2 and the IANA
    /// registry): 1000–1003, 1007–1014 and the ranges 3000–4999. 1004–1006 and 1015 are reserved
    /// for local use and never appear on the wire; the rest is unassigned.
    public var isValidOnTheWire: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    /// The code as a decimal number, as logs and close frames show it.
    public var description: String { String(rawValue) }
}
