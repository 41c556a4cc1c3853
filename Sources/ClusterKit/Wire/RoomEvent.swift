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
    /// A private room's name or topic changed: each receiving user gets the `room_updated` frame
    /// that carries its own role.
    case updatedPrivate(RoleFrames)
    /// `userID` is no longer a participant of the private room: its connections get `frame`
    /// (`removed`) and are no longer joined.
    case removed(userID: Int64, frame: ByteBuffer)

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
        case .removed(let userID, let frame):
            buffer.writeInteger(UInt8(6))
            buffer.writeInteger(userID)
            buffer.writeWireBytes(frame)
        case .updatedPrivate(let frames):
            buffer.writeInteger(UInt8(7))
            frames.encode(into: &buffer)
        }
    }

    init(decoding buffer: inout ByteBuffer) throws {
        switch try buffer.readWireInteger(as: UInt8.self) {
        case 1: self = .message(seq: try buffer.readWireInteger(), frame: try buffer.readWireBytes())
        case 2: self = .presence(userID: try buffer.readWireInteger(), frame: try buffer.readWireBytes())
        case 3: self = .typing(userID: try buffer.readWireInteger(), frame: try buffer.readWireBytes())
        case 4: self = .closed(frame: try buffer.readWireBytes())
        case 5: self = .updated(frame: try buffer.readWireBytes())
        case 6: self = .removed(userID: try buffer.readWireInteger(), frame: try buffer.readWireBytes())
        case 7: self = .updatedPrivate(try RoleFrames(decoding: &buffer))
        case let tag: throw WireError.invalidValue("event kind \(tag)")
        }
    }
}

/// One `room_updated` frame per role of a private room, and who holds the roles above `member`:
/// a gateway hands each joined user the frame with its own role.
public struct RoleFrames: Equatable, Sendable {
    public var member: ByteBuffer
    public var admin: ByteBuffer
    public var owner: ByteBuffer
    /// The owner (`nil` for a direct message).
    public var ownerID: Int64?
    public var adminIDs: [Int64]

    public init(member: ByteBuffer, admin: ByteBuffer, owner: ByteBuffer, ownerID: Int64?, adminIDs: [Int64]) {
        self.member = member
        self.admin = admin
        self.owner = owner
        self.ownerID = ownerID
        self.adminIDs = adminIDs
    }

    /// The frame for `userID`, with `admins` the set of `adminIDs` (made once per event).
    public func frame(for userID: Int64, admins: Set<Int64>) -> ByteBuffer {
        if userID == ownerID { return owner }
        return admins.contains(userID) ? admin : member
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWireBytes(member)
        buffer.writeWireBytes(admin)
        buffer.writeWireBytes(owner)
        buffer.writeWireOptionalInteger(ownerID)
        buffer.writeInteger(UInt32(adminIDs.count))
        for id in adminIDs { buffer.writeInteger(id) }
    }

    init(decoding buffer: inout ByteBuffer) throws {
        member = try buffer.readWireBytes()
        admin = try buffer.readWireBytes()
        owner = try buffer.readWireBytes()
        ownerID = try buffer.readWireOptionalInteger()
        let count = Int(try buffer.readWireInteger(as: UInt32.self))
        guard count <= buffer.readableBytes / 8 else { throw WireError.truncated }
        adminIDs = []
        adminIDs.reserveCapacity(count)
        for _ in 0..<count { adminIDs.append(try buffer.readWireInteger()) }
    }
}
