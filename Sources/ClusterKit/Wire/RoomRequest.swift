import NIOCore

/// A gateway's request to the worker that owns a room, published on `chorus:w:<worker id>`.
/// The worker answers with a `RoomReply` carrying the same `requestID` on `chorus:g:<gateway id>`.
public struct RoomRequest: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A connection of the user joins; `sinceSeq` asks for the missed messages from the tail.
        case join(sinceSeq: Int64?)
        /// A connection of the user leaves (or dropped).
        case leave
        /// A message to store and fan out.
        case send(content: String, clientMessageID: String?)
        /// The user is typing.
        case typing
        /// The room was deleted: drop its state (the gateway already told the members).
        case close
        /// After an ownership change: the user has `connections` connections in the room on this
        /// gateway. Sets (not adds) the count, silently: idempotent, no presence event.
        case rejoin(connections: Int64)
        /// Contract v1.1: `userID` was added to or removed from the private room's participants
        /// (the change is stored). The owner re-reads the room's participants and answers once its
        /// set includes the change: from then on it admits or refuses that user, and a user no
        /// longer in the set loses its presence and its connections get `removed`.
        case access(userID: Int64)
    }

    public var requestID: UInt64
    public var gatewayID: String
    public var roomID: Int64
    public var userID: Int64
    public var username: String
    public var kind: Kind

    public init(requestID: UInt64, gatewayID: String, roomID: Int64, userID: Int64, username: String, kind: Kind) {
        self.requestID = requestID
        self.gatewayID = gatewayID
        self.roomID = roomID
        self.userID = userID
        self.username = username
        self.kind = kind
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(requestID)
        buffer.writeWireString(gatewayID)
        buffer.writeInteger(roomID)
        buffer.writeInteger(userID)
        buffer.writeWireString(username)
        switch kind {
        case .join(let sinceSeq):
            buffer.writeInteger(UInt8(1))
            buffer.writeWireOptionalInteger(sinceSeq)
        case .leave:
            buffer.writeInteger(UInt8(2))
        case .send(let content, let clientMessageID):
            buffer.writeInteger(UInt8(3))
            buffer.writeWireString(content)
            buffer.writeWireOptionalString(clientMessageID)
        case .typing:
            buffer.writeInteger(UInt8(4))
        case .close:
            buffer.writeInteger(UInt8(5))
        case .rejoin(let connections):
            buffer.writeInteger(UInt8(6))
            buffer.writeInteger(connections)
        case .access(let userID):
            buffer.writeInteger(UInt8(7))
            buffer.writeInteger(userID)
        }
    }

    init(decoding buffer: inout ByteBuffer) throws {
        requestID = try buffer.readWireInteger()
        gatewayID = try buffer.readWireString()
        roomID = try buffer.readWireInteger()
        userID = try buffer.readWireInteger()
        username = try buffer.readWireString()
        switch try buffer.readWireInteger(as: UInt8.self) {
        case 1: kind = .join(sinceSeq: try buffer.readWireOptionalInteger())
        case 2: kind = .leave
        case 3: kind = .send(content: try buffer.readWireString(), clientMessageID: try buffer.readWireOptionalString())
        case 4: kind = .typing
        case 5: kind = .close
        case 6: kind = .rejoin(connections: try buffer.readWireInteger())
        case 7: kind = .access(userID: try buffer.readWireInteger())
        case let tag: throw WireError.invalidValue("request kind \(tag)")
        }
    }
}
