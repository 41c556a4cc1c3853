import NIOCore

/// A message between Chorus nodes, carried as the payload of a Redis pub/sub message.
///
/// ## Encoding (version 1)
/// ```
/// frame   = version:UInt8 (= 1)  kind:UInt8  body
/// body    = the case's fields in declaration order
/// Int64   = 8 bytes big-endian        String = UInt32 length + UTF-8 bytes
/// String? = UInt8 0 | UInt8 1 String  Bytes  = UInt32 length + bytes
/// ```
/// Kinds are never renumbered; a new field or case means a new version, and a node answers a frame
/// of a version it does not know with `WireError.unsupportedVersion` (logged and dropped), never a crash.
///
/// ## Channels (see `ChannelNames`)
/// - `chorus:revocations`: `tokenRevoked`, `userRevoked` → every gateway (closes sockets with 4001).
/// - `chorus:w:<worker>`: `request` → the worker that owns the room.
/// - `chorus:g:<gateway>`: `reply` → the gateway that asked.
/// - `chorus:r:<room>`: `event` → every gateway with a member joined to the room.
/// - `chorus:membership`: `membershipChanged` → every node re-reads the live worker set at once.
public enum ClusterMessage: Equatable, Sendable {
    /// One token (by `jti`) is revoked until `expiresAt` (Unix seconds).
    case tokenRevoked(jti: String, userID: Int64, expiresAt: Int64)
    /// Every token of a user is revoked (account deleted).
    case userRevoked(userID: Int64)
    /// A gateway asks a room's owner.
    case request(RoomRequest)
    /// The owner answers.
    case reply(RoomReply)
    /// Something happened in room `roomID`.
    case event(roomID: Int64, RoomEvent)
    /// A worker joined or left the ring.
    case membershipChanged(nodeID: String, joined: Bool)

    /// The version this build writes.
    public static let version: UInt8 = 1

    enum Kind: UInt8 {
        case tokenRevoked = 1
        case userRevoked = 2
        case request = 3
        case reply = 4
        case event = 5
        case membershipChanged = 6
    }

    /// Appends the encoded message to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.version)
        switch self {
        case .tokenRevoked(let jti, let userID, let expiresAt):
            buffer.writeInteger(Kind.tokenRevoked.rawValue)
            buffer.writeWireString(jti)
            buffer.writeInteger(userID)
            buffer.writeInteger(expiresAt)
        case .userRevoked(let userID):
            buffer.writeInteger(Kind.userRevoked.rawValue)
            buffer.writeInteger(userID)
        case .request(let request):
            buffer.writeInteger(Kind.request.rawValue)
            request.encode(into: &buffer)
        case .reply(let reply):
            buffer.writeInteger(Kind.reply.rawValue)
            reply.encode(into: &buffer)
        case .event(let roomID, let event):
            buffer.writeInteger(Kind.event.rawValue)
            buffer.writeInteger(roomID)
            event.encode(into: &buffer)
        case .membershipChanged(let nodeID, let joined):
            buffer.writeInteger(Kind.membershipChanged.rawValue)
            buffer.writeWireString(nodeID)
            buffer.writeInteger(UInt8(joined ? 1 : 0))
        }
    }

    /// The encoded message as a new buffer.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        encode(into: &buffer)
        return buffer
    }

    /// Decodes one whole message from `buffer`.
    public init(decoding buffer: ByteBuffer) throws {
        var buffer = buffer
        let version = try buffer.readWireInteger(as: UInt8.self)
        guard version == Self.version else { throw WireError.unsupportedVersion(version) }
        let rawKind = try buffer.readWireInteger(as: UInt8.self)
        guard let kind = Kind(rawValue: rawKind) else { throw WireError.unknownKind(rawKind) }
        switch kind {
        case .tokenRevoked:
            self = .tokenRevoked(
                jti: try buffer.readWireString(),
                userID: try buffer.readWireInteger(),
                expiresAt: try buffer.readWireInteger()
            )
        case .userRevoked:
            self = .userRevoked(userID: try buffer.readWireInteger())
        case .request:
            self = .request(try RoomRequest(decoding: &buffer))
        case .reply:
            self = .reply(try RoomReply(decoding: &buffer))
        case .event:
            let roomID: Int64 = try buffer.readWireInteger()
            self = .event(roomID: roomID, try RoomEvent(decoding: &buffer))
        case .membershipChanged:
            let nodeID = try buffer.readWireString()
            switch try buffer.readWireInteger(as: UInt8.self) {
            case 0: self = .membershipChanged(nodeID: nodeID, joined: false)
            case 1: self = .membershipChanged(nodeID: nodeID, joined: true)
            case let flag: throw WireError.invalidValue("joined flag \(flag)")
            }
        }
        guard buffer.readableBytes == 0 else { throw WireError.trailingBytes(buffer.readableBytes) }
    }
}
