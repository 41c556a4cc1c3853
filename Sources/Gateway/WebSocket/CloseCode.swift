/// A WebSocket close status code (RFC 6455 §7.4) and the contract's own (4xxx).
///
/// Which ones mean "reconnect": 1001 (drain: resume with `since_seq`), 4008 (slow consumer:
/// reconnect and resume) and 1011. Final: 4001 (log in again), 1002, 1007, 1008, 1009 (a client bug).
struct CloseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    let rawValue: UInt16

    init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    static let normal = CloseCode(rawValue: 1000)
    /// Server going away (drain or shutdown), or a peer that stopped answering pings.
    static let goingAway = CloseCode(rawValue: 1001)
    /// The client broke RFC 6455 (unmasked frame, RSV bits, bad opcode, bad fragmentation).
    static let protocolError = CloseCode(rawValue: 1002)
    /// A text message (or close reason) that is not valid UTF-8.
    static let invalidPayload = CloseCode(rawValue: 1007)
    /// A message split into more fragments than allowed.
    static let policyViolation = CloseCode(rawValue: 1008)
    /// A frame or message over the size limit (`WS_MAX_FRAME_BYTES`).
    static let messageTooBig = CloseCode(rawValue: 1009)
    static let internalError = CloseCode(rawValue: 1011)
    /// The token expired or was revoked (logout, account deletion).
    static let tokenRevoked = CloseCode(rawValue: 4001)
    /// The client did not read: its outbound buffer overflowed.
    static let slowConsumer = CloseCode(rawValue: 4008)

    /// Whether a peer may send this code in a close frame (RFC 6455 §7.4.1–7.4.2 and the IANA
    /// registry): 1000–1003, 1007–1014 and the ranges 3000–4999. 1004–1006 and 1015 are reserved
    /// for local use and never appear on the wire; the rest is unassigned.
    var isValidOnTheWire: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    var description: String { String(rawValue) }
}
