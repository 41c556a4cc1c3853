/// The formats the harness puts into what it sends, so that whoever receives a message or an ack
/// knows when it was sent without any shared table: a message's content starts with `t=<ns>;`
/// (monotonic nanoseconds on this machine) and is padded with `x` to the payload size; a
/// `client_msg_id` is `<sender>.<counter>.<ns>`.
public enum MessageContent {
    /// Shortest payload that holds a timestamp (`t=` + 20 digits + `;`).
    public static let minimumSize = 23
    /// Largest content the contract accepts.
    public static let maximumSize = 4096

    /// The content bytes for a message sent at `sentNanos`, exactly `size` bytes long (at least the
    /// timestamp).
    public static func bytes(sentNanos: UInt64, size: Int) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "t"), UInt8(ascii: "=")]
        bytes.reserveCapacity(max(size, minimumSize))
        appendDecimal(sentNanos, to: &bytes)
        bytes.append(UInt8(ascii: ";"))
        while bytes.count < size { bytes.append(UInt8(ascii: "x")) }
        return bytes
    }

    /// The send time in content bytes made by `bytes(sentNanos:size:)`, or nil.
    public static func sentNanos(inContent content: UnsafeRawBufferPointer) -> UInt64? {
        guard content.count >= 4, content[0] == UInt8(ascii: "t"), content[1] == UInt8(ascii: "=") else { return nil }
        return parseDecimal(content, from: 2, terminator: UInt8(ascii: ";"))
    }

    /// A `client_msg_id` (at most 64 characters: 3 numbers of at most 20 digits and 2 dots).
    public static func clientMessageID(sender: Int, counter: UInt64, sentNanos: UInt64) -> String {
        "\(sender).\(counter).\(sentNanos)"
    }

    /// The parts of a `client_msg_id` made by `clientMessageID`.
    public struct ClientMessageID: Sendable, Equatable {
        public var sender: UInt64
        public var counter: UInt64
        public var sentNanos: UInt64
    }

    /// Reads a `client_msg_id` made by `clientMessageID`; nil for anything else.
    public static func parseClientMessageID(_ id: UnsafeRawBufferPointer) -> ClientMessageID? {
        guard let firstDot = id.firstIndex(of: UInt8(ascii: ".")), let lastDot = id.lastIndex(of: UInt8(ascii: ".")),
            firstDot < lastDot,
            let sender = ASCIIDecimal.parse(id, 0..<firstDot),
            let counter = ASCIIDecimal.parse(id, (firstDot + 1)..<lastDot),
            let sentNanos = ASCIIDecimal.parse(id, (lastDot + 1)..<id.count)
        else { return nil }
        return ClientMessageID(sender: sender, counter: counter, sentNanos: sentNanos)
    }

    /// `parseClientMessageID` for a String (error `ref`s).
    public static func parseClientMessageID(_ id: String) -> ClientMessageID? {
        var id = id
        return id.withUTF8 { parseClientMessageID(UnsafeRawBufferPointer($0)) }
    }

    /// The send time in a `client_msg_id` made by `clientMessageID`, or nil.
    public static func sentNanos(inClientMessageID id: String) -> UInt64? {
        parseClientMessageID(id)?.sentNanos
    }

    static func appendDecimal(_ value: UInt64, to bytes: inout [UInt8]) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var digits: [UInt8] = []
        var rest = value
        while rest > 0 {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        bytes.append(contentsOf: digits.reversed())
    }

    /// Digits from `start` up to `terminator` (or the end when nil); nil if there are none, if
    /// something else comes first, or on overflow.
    static func parseDecimal(_ bytes: UnsafeRawBufferPointer, from start: Int, terminator: UInt8?) -> UInt64? {
        var end = start
        while end < bytes.count, bytes[end] != terminator { end += 1 }
        if terminator != nil, end >= bytes.count { return nil }
        return ASCIIDecimal.parse(bytes, start..<end)
    }
}
