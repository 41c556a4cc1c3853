import NIOCore

/// The few parts of RFC 6455 a load client needs, on `ByteBuffer`s with no extra handler hop:
/// reading unmasked server frames and writing masked client frames. Extensions are never
/// negotiated, so the reserved bits must be zero.
public enum WebSocketFrameCodec {
    public enum Opcode: UInt8, Sendable {
        case continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA
    }

    /// One server frame; `payload` is a slice of the read buffer (no copy).
    public struct Frame {
        public var fin: Bool
        public var opcode: Opcode
        public var payload: ByteBuffer
    }

    public enum ParseResult {
        case frame(Frame)
        /// Not a whole frame yet: keep the bytes and wait for more.
        case needMoreBytes
        case invalid(String)
    }

    /// Frames larger than this are refused (the gateway's own limit is 64 KiB; replays are frames
    /// of one message each).
    public static let maximumPayload = 16 << 20

    /// Takes one whole frame from the front of `buffer`; leaves `buffer` untouched unless it
    /// returns `.frame`.
    public static func parse(_ buffer: inout ByteBuffer) -> ParseResult {
        let start = buffer.readerIndex
        guard buffer.readableBytes >= 2, let first = buffer.getInteger(at: start, as: UInt8.self),
            let second = buffer.getInteger(at: start + 1, as: UInt8.self)
        else { return .needMoreBytes }
        guard first & 0x70 == 0 else { return .invalid("reserved bits set") }
        guard let opcode = Opcode(rawValue: first & 0x0F) else { return .invalid("unknown opcode \(first & 0x0F)") }
        let masked = second & 0x80 != 0
        var headerLength = 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let value = buffer.getInteger(at: start + 2, as: UInt16.self) else { return .needMoreBytes }
            length = Int(value)
            headerLength = 4
        } else if length == 127 {
            guard let value = buffer.getInteger(at: start + 2, as: UInt64.self) else { return .needMoreBytes }
            guard value <= UInt64(maximumPayload) else { return .invalid("frame of \(value) bytes") }
            length = Int(value)
            headerLength = 10
        }
        guard length <= maximumPayload else { return .invalid("frame of \(length) bytes") }
        let maskLength = masked ? 4 : 0
        guard buffer.readableBytes >= headerLength + maskLength + length else { return .needMoreBytes }
        let maskKey = masked ? buffer.getBytes(at: start + headerLength, length: 4) : nil
        buffer.moveReaderIndex(forwardBy: headerLength + maskLength)
        var payload = buffer.readSlice(length: length)!
        if let maskKey {
            // Servers must not mask; accept it anyway rather than misread the stream.
            payload = ByteBuffer(bytes: payload.readableBytesView.enumerated().map { $0.element ^ maskKey[$0.offset % 4] })
        }
        return .frame(Frame(fin: first & 0x80 != 0, opcode: opcode, payload: payload))
    }

    /// Writes one final, masked client frame with `payload` into `buffer`. `maskKey` is the
    /// frame's masking key (the caller draws a fresh one per frame).
    public static func writeClientFrame(
        opcode: Opcode, payload: UnsafeRawBufferPointer, maskKey: UInt32, into buffer: inout ByteBuffer
    ) {
        buffer.writeInteger(0x80 | opcode.rawValue)
        let count = payload.count
        if count < 126 {
            buffer.writeInteger(UInt8(0x80 | count))
        } else if count <= 0xFFFF {
            buffer.writeInteger(UInt8(0x80 | 126))
            buffer.writeInteger(UInt16(count))
        } else {
            buffer.writeInteger(UInt8(0x80 | 127))
            buffer.writeInteger(UInt64(count))
        }
        buffer.writeInteger(maskKey)
        let mask: [UInt8] = [UInt8(maskKey >> 24), UInt8((maskKey >> 16) & 0xFF), UInt8((maskKey >> 8) & 0xFF), UInt8(maskKey & 0xFF)]
        buffer.reserveCapacity(minimumWritableBytes: count)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { target in
            for index in 0..<count {
                target[index] = payload[index] ^ mask[index & 3]
            }
            return count
        }
    }

    /// `writeClientFrame` for a byte array.
    public static func writeClientFrame(opcode: Opcode, payload: [UInt8], maskKey: UInt32, into buffer: inout ByteBuffer) {
        payload.withUnsafeBytes { writeClientFrame(opcode: opcode, payload: $0, maskKey: maskKey, into: &buffer) }
    }
}
