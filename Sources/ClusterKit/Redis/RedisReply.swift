import NIOCore

/// One reply from Redis (RESP2), as parsed by hiredis.
public enum RedisReply: Sendable, Equatable {
    case status(String)
    case error(String)
    case integer(Int64)
    case bulk(ByteBuffer)
    case null
    case array([RedisReply])

    /// The reply as text, for bulk strings and statuses.
    public var string: String? {
        switch self {
        case .bulk(let buffer): return String(buffer: buffer)
        case .status(let text): return text
        default: return nil
        }
    }

    /// The reply as an integer.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// Elements of an array reply.
    public var array: [RedisReply]? {
        if case .array(let values) = self { return values }
        return nil
    }
}

/// Errors of the Redis client.
public enum RedisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No connection to Redis right now (the client is reconnecting).
    case notConnected
    /// The connection closed before the reply came.
    case connectionClosed
    /// Redis did not answer within the command timeout; the connection was dropped.
    case timeout
    /// Redis answered with an error reply.
    case server(String)
    /// The byte stream could not be parsed.
    case protocolError(String)

    public var description: String {
        switch self {
        case .notConnected: "redis: not connected"
        case .connectionClosed: "redis: connection closed"
        case .timeout: "redis: command timed out"
        case .server(let message): "redis: \(message)"
        case .protocolError(let message): "redis: protocol error: \(message)"
        }
    }
}
