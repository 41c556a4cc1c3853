import Foundation

/// Reads the fields the harness needs from a server frame in one pass over its bytes, without a
/// JSON decoder: at 100,000 deliveries per second a full decode of every frame would make the
/// harness, not the server, the bottleneck.
///
/// It understands the flat objects the contract's server sends (string, number and literal
/// values, any key order, any whitespace); a nested value or malformed text makes it return nil,
/// which the caller counts as an unreadable frame.
public enum FrameScanner {
    public static func scan(_ bytes: UnsafeRawBufferPointer) -> ScannedFrame? {
        var cursor = Cursor(bytes: bytes)
        var frame = ScannedFrame()
        cursor.skipSpace()
        guard cursor.take(UInt8(ascii: "{")) else { return nil }
        cursor.skipSpace()
        if cursor.take(UInt8(ascii: "}")) { return frame }
        while true {
            cursor.skipSpace()
            guard let key = cursor.string() else { return nil }
            cursor.skipSpace()
            guard cursor.take(UInt8(ascii: ":")) else { return nil }
            cursor.skipSpace()
            guard let value = cursor.value() else { return nil }
            apply(key: key, value: value, in: bytes, to: &frame)
            cursor.skipSpace()
            if cursor.take(UInt8(ascii: ",")) { continue }
            if cursor.take(UInt8(ascii: "}")) { break }
            return nil
        }
        return frame
    }

    /// `scan` for a String (tests, rare frames).
    public static func scan(_ text: String) -> ScannedFrame? {
        var text = text
        return text.withUTF8 { scan(UnsafeRawBufferPointer($0)) }
    }

    private static func apply(key: Range<Int>, value: Value, in bytes: UnsafeRawBufferPointer, to frame: inout ScannedFrame) {
        switch key.count {
        case 3 where equals(bytes, key, "seq"):
            frame.seq = value.integer(in: bytes) ?? 0
        case 3 where equals(bytes, key, "ref"):
            frame.ref = value.text(in: bytes)
        case 4 where equals(bytes, key, "type"):
            frame.kind = kind(bytes, value)
        case 4 where equals(bytes, key, "code"):
            frame.code = value.text(in: bytes)
        case 7 where equals(bytes, key, "room_id"):
            frame.roomID = value.integer(in: bytes) ?? 0
        case 7 where equals(bytes, key, "content"):
            if case .string(let range) = value {
                frame.sentNanos = MessageContent.sentNanos(inContent: UnsafeRawBufferPointer(rebasing: bytes[range]))
            }
        case 8 where equals(bytes, key, "last_seq"):
            frame.lastSeq = value.integer(in: bytes) ?? 0
        case 13 where equals(bytes, key, "client_msg_id"):
            // A message carries its send time in the content already; an ack only here.
            if case .string(let range) = value, let id = MessageContent.parseClientMessageID(UnsafeRawBufferPointer(rebasing: bytes[range])) {
                frame.clientCounter = id.counter
                if frame.sentNanos == nil { frame.sentNanos = id.sentNanos }
            }
        default:
            break
        }
    }

    private static func kind(_ bytes: UnsafeRawBufferPointer, _ value: Value) -> ScannedFrame.Kind {
        guard case .string(let range) = value else { return .other }
        switch range.count {
        case 3 where equals(bytes, range, "ack"): return .ack
        case 4 where equals(bytes, range, "pong"): return .pong
        case 4 where equals(bytes, range, "left"): return .left
        case 5 where equals(bytes, range, "error"): return .error
        case 6 where equals(bytes, range, "joined"): return .joined
        case 6 where equals(bytes, range, "typing"): return .typing
        case 7 where equals(bytes, range, "message"): return .message
        case 8 where equals(bytes, range, "presence"): return .presence
        case 11 where equals(bytes, range, "room_closed"): return .roomClosed
        default: return .other
        }
    }

    @inline(__always)
    private static func equals(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let start = literal.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound + offset] != start[offset] {
            return false
        }
        return true
    }

    /// A value's place in the bytes: a string's contents (between the quotes, still escaped) or
    /// a bare number or literal.
    enum Value {
        case string(Range<Int>)
        case bare(Range<Int>)

        func integer(in bytes: UnsafeRawBufferPointer) -> Int64? {
            guard case .bare(let range) = self, !range.isEmpty else { return nil }
            let negative = bytes[range.lowerBound] == UInt8(ascii: "-")
            guard let magnitude = ASCIIDecimal.parse(bytes, (negative ? range.lowerBound + 1 : range.lowerBound)..<range.upperBound),
                magnitude <= UInt64(Int64.max)
            else { return nil }
            return negative ? -Int64(magnitude) : Int64(magnitude)
        }

        /// A string value as text (escapes other than `\"` and `\\` are kept as written: codes and
        /// refs never have them).
        func text(in bytes: UnsafeRawBufferPointer) -> String? {
            guard case .string(let range) = self else { return nil }
            let raw = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            return raw.contains("\\") ? raw.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\") : raw
        }
    }

    struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
                default: return
                }
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A string's contents range; the cursor ends after the closing quote.
        mutating func string() -> Range<Int>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    let range = start..<index
                    index += 1
                    return range
                case UInt8(ascii: "\\"):
                    index += 2
                default:
                    index += 1
                }
            }
            return nil
        }

        mutating func value() -> Value? {
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                return string().map(Value.string)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                return nil
            default:
                let start = index
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                        return index > start ? .bare(start..<index) : nil
                    default:
                        index += 1
                    }
                }
                return nil
            }
        }
    }
}
