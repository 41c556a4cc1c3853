import NIOCore

/// Writes Redis commands in the RESP2 request format (`*<n>\r\n$<len>\r\n<arg>\r\n...`).
///
/// Requests are formatted in Swift straight into the outbound `ByteBuffer` (no C allocation per
/// command); replies are parsed by hiredis (`RedisReplyParser`).
public enum RESPWriter {
    /// Appends one command to `buffer`.
    public static func write(_ arguments: [RedisArgument], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        writeDecimal(arguments.count, into: &buffer)
        for argument in arguments {
            switch argument {
            case .string(let string):
                buffer.writeInteger(UInt8(ascii: "$"))
                writeDecimal(string.utf8.count, into: &buffer)
                buffer.writeString(string)
            case .bytes(let bytes):
                buffer.writeInteger(UInt8(ascii: "$"))
                writeDecimal(bytes.readableBytes, into: &buffer)
                buffer.writeImmutableBuffer(bytes)
            case .integer(let value):
                let text = String(value)
                buffer.writeInteger(UInt8(ascii: "$"))
                writeDecimal(text.utf8.count, into: &buffer)
                buffer.writeString(text)
            }
            buffer.writeStaticString("\r\n")
        }
    }

    /// Appends `PUBLISH channel payload` without building an argument array (the hot path of a
    /// worker's group commit: one reply and one event per message).
    public static func writePublish(channel: String, payload: ByteBuffer, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("*3\r\n$7\r\nPUBLISH\r\n$")
        writeDecimal(channel.utf8.count, into: &buffer)
        buffer.writeString(channel)
        buffer.writeStaticString("\r\n$")
        writeDecimal(payload.readableBytes, into: &buffer)
        buffer.writeImmutableBuffer(payload)
        buffer.writeStaticString("\r\n")
    }

    private static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        buffer.writeString(String(value))
        buffer.writeStaticString("\r\n")
    }
}

/// One argument of a Redis command.
public enum RedisArgument: Sendable, Equatable, ExpressibleByStringLiteral {
    case string(String)
    case bytes(ByteBuffer)
    case integer(Int64)

    public init(stringLiteral value: String) { self = .string(value) }
}
