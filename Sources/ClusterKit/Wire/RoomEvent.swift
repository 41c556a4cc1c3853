import NIOCore

/// Something that happened in a room, published on `chorus:r:<room id>` to every gateway with a
/// member joined. Each carries the client frame already encoded: gateways forward the bytes.
public enum RoomEvent: Equatable, Sendable {
    /// A committed message; gateways deliver in `seq` order and fill gaps from Postgres.
    case message(seq: Int64, frame: ByteBuffer)
    /// A user's first connection joined or last one left; not delivered to that user.
    case presence(userID: Int64, frame: ByteBuffer)
    /// A user is typing; not delivered to that user.
    case typing(userID: Int64, frame: ByteBuffer)
    /// The room was deleted.
    case closed(frame: ByteBuffer)
    /// The room's name or topic changed: `room_updated`, to every joined connection.
    case updated(frame: ByteBuffer)

    func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .message(let seq, let frame):
            buffer.writeInteger(UInt8(1))
            buffer.writeInteger(seq)
            buffer.writeWireBytes(frame)
        case .presence(let userID, let frame):
            buffer.writeInteger(UInt8(2))
            buffer.writeInteger(userID)
            buffer.writeWireBytes(frame)
        case .typing(let userID, let frame):
            buffer.writeInteger(UInt8(3))
            buffer.writeInteger(userID)
            buffer.writeWireBytes(frame)
        case .closed(let frame):
            buffer.writeInteger(UInt8(4))
            buffer.writeWireBytes(frame)
        case .updated(let frame):
            buffer.writeInteger(UInt8(5))
            buffer.writeWireBytes(frame)
        }
    }

    init(decoding buffer: inout ByteBuffer) throws {
        switch try buffer.readWireInteger(as: UInt8.self) {
        case 1: self = .message(seq: try buffer.readWireInteger(), frame: try buffer.readWireBytes())
        case 2: self = .presence(userID: try buffer.readWireInteger(), frame: try buffer.readWireBytes())
        case 3: self = .typing(userID: try buffer.readWireInteger(), frame: try buffer.readWireBytes())
        case 4: self = .closed(frame: try buffer.readWireBytes())
        case 5: self = .updated(frame: try buffer.readWireBytes())
        case let tag: throw WireError.invalidValue("event kind \(tag)")
        }
    }
}
