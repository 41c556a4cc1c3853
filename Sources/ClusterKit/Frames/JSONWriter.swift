import NIOCore

/// Writes JSON straight into a `ByteBuffer`, for the server frames built on every message's hot
/// path (no `Encodable` machinery, no intermediate strings).
public struct JSONWriter {
    public private(set) var buffer: ByteBuffer
    private var needsComma = false

    public init(capacity: Int = 256) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
        buffer.writeInteger(UInt8(ascii: "{"))
    }

    private mutating func key(_ name: StaticString) {
        if needsComma { buffer.writeInteger(UInt8(ascii: ",")) }
        needsComma = true
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeStaticString(name)
        buffer.writeStaticString("\":")
    }

    public mutating func field(_ name: StaticString, _ value: Int64) {
        key(name)
        buffer.writeString(String(value))
    }

    public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        Self.writeEscaped(value, into: &buffer)
    }

    public mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { Self.writeEscaped(value, into: &buffer) } else { buffer.writeStaticString("null") }
    }

    /// Closes the object and returns the bytes.
    public mutating func finish() -> ByteBuffer {
        buffer.writeInteger(UInt8(ascii: "}"))
        return buffer
    }

    /// Writes `string` as a JSON string literal (RFC 8259 escaping).
    public static func writeEscaped(_ string: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var clean = true
        for byte in string.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            clean = false
            break
        }
        if clean {
            buffer.writeString(string)
        } else {
            for byte in string.utf8 {
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case 0..<0x20:
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hexDigits[Int(byte >> 4)])
                    buffer.writeInteger(hexDigits[Int(byte & 0xF)])
                default: buffer.writeInteger(byte)
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
