/// What the harness needs from one server → client text frame. Only `error` frames carry strings:
/// the hot frames (`message`, `ack`) are read into integers without allocating.
public struct ScannedFrame: Sendable, Equatable {
    /// The contract's server frame types the harness tells apart.
    public enum Kind: Sendable, Equatable {
        case message, ack, joined, error, presence, typing, pong, left, roomClosed, other
    }

    public var kind: Kind = .other
    public var roomID: Int64 = 0
    /// `seq` of a `message` or `ack`.
    public var seq: Int64 = 0
    /// `last_seq` of a `joined`.
    public var lastSeq: Int64 = 0
    /// Send time (monotonic ns) carried in a `message`'s content or an `ack`'s `client_msg_id`.
    public var sentNanos: UInt64?
    /// The send's counter in an `ack`'s `client_msg_id` (to match it with a retried send).
    public var clientCounter: UInt64?
    /// `code` of an `error`.
    public var code: String?
    /// `ref` of an `error` (the `client_msg_id` of a refused send, else the request type).
    public var ref: String?

    public init(
        kind: Kind = .other, roomID: Int64 = 0, seq: Int64 = 0, lastSeq: Int64 = 0, sentNanos: UInt64? = nil,
        clientCounter: UInt64? = nil, code: String? = nil, ref: String? = nil
    ) {
        self.clientCounter = clientCounter
        self.kind = kind
        self.roomID = roomID
        self.seq = seq
        self.lastSeq = lastSeq
        self.sentNanos = sentNanos
        self.code = code
        self.ref = ref
    }
}
