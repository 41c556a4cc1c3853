import ClusterKit
import NIOCore

/// Server-to-client WebSocket frames, encoded by hand because they are this simple: FIN set, no
/// mask, no extension (RFC 6455 §5.2). Every outbound frame of the gateway is made here, so that
/// it can be written straight to the socket, framed once and shared by every recipient.
enum ServerFrames {
    /// The allocator of every outbound frame (NIO's default, the one every channel uses).
    static let allocator = ByteBufferAllocator()

    /// A text frame around `payload` (the JSON of a server frame).
    static func text(_ payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var frame = allocator.buffer(capacity: payload.readableBytes + 10)
        writeHeader(opcode: 0x1, length: payload.readableBytes, into: &frame)
        var payload = payload
        frame.writeBuffer(&payload)
        return frame
    }

    /// A close frame with `code` and a reason cut to what fits a control frame (125 bytes in all),
    /// on a character boundary.
    static func close(code: CloseCode, reason: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var reasonBytes = Array(reason.utf8.prefix(123))
        while !reasonBytes.isEmpty, String(validating: reasonBytes, as: UTF8.self) == nil { reasonBytes.removeLast() }
        var frame = allocator.buffer(capacity: 4 + reasonBytes.count)
        writeHeader(opcode: 0x8, length: 2 + reasonBytes.count, into: &frame)
        frame.writeInteger(code.rawValue)
        frame.writeBytes(reasonBytes)
        return frame
    }

    /// A pong echoing a ping's payload (at most 125 bytes: the decoder refuses longer control frames).
    static func pong(_ payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var frame = allocator.buffer(capacity: 2 + payload.readableBytes)
        writeHeader(opcode: 0xA, length: payload.readableBytes, into: &frame)
        var payload = payload
        frame.writeBuffer(&payload)
        return frame
    }

    /// An empty ping.
    static func ping(allocator: ByteBufferAllocator) -> ByteBuffer {
        var frame = allocator.buffer(capacity: 2)
        writeHeader(opcode: 0x9, length: 0, into: &frame)
        return frame
    }

    private static func writeHeader(opcode: UInt8, length: Int, into frame: inout ByteBuffer) {
        frame.writeInteger(0x80 | opcode)
        switch length {
        case ..<126:
            frame.writeInteger(UInt8(length))
        case ..<65_536:
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(length))
        default:
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(length))
        }
    }
}
