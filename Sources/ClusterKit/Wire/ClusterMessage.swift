import NIOCore

/// A message between Chorus nodes, carried as the payload of a Redis pub/sub message.
///
/// ## Encoding (version 1)
/// ```
/// frame   = version:UInt8 (= 1)  kind:UInt8  body
/// body    = the case's fields in declaration order
/// Int64   = 8 bytes big-endian        String = UInt32 length + UTF-8 bytes
/// String? = UInt8 0 | UInt8 1 String
/// ```
/// Kinds are never renumbered; a new field or case means a new version, and a node answers a frame
/// of a version it does not know with `WireError.unsupportedVersion` (logged and dropped), never a crash.
///
/// ## Channels
/// - `chorus:revocations`: `tokenRevoked` and `userRevoked`, published by the gateway that handled
///   the logout or account deletion, received by every gateway (which closes matching WebSockets with 4001).
public enum ClusterMessage: Equatable, Sendable {
    /// One token (by `jti`) is revoked until `expiresAt` (Unix seconds).
    case tokenRevoked(jti: String, userID: Int64, expiresAt: Int64)
    /// Every token of a user is revoked (account deleted).
    case userRevoked(userID: Int64)

    /// The version this build writes.
    public static let version: UInt8 = 1

    enum Kind: UInt8 {
        case tokenRevoked = 1
        case userRevoked = 2
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
        }
    }

    /// The encoded message as a new buffer.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 32)
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
        }
        guard buffer.readableBytes == 0 else { throw WireError.trailingBytes(buffer.readableBytes) }
    }
}
