/// The contract's error codes, one vocabulary for REST error bodies, WebSocket `error` frames and
/// the workers' replies on the cluster bus.
///
/// REST answers carry the HTTP status of the code (the gateway maps it); a WebSocket `error` frame
/// never closes the connection. `unavailable` is the one code that asks the client to retry.
public enum ErrorCode: String, Sendable, Hashable, CaseIterable, Codable {
    /// Not JSON, an unknown type, a missing or malformed field (REST 400).
    case badRequest = "bad_request"
    /// A field breaks one of the contract's rules (REST 400).
    case validationFailed = "validation_failed"
    /// A missing, bad, expired or revoked token (REST 401).
    case unauthorized
    /// Authenticated but not allowed (REST 403).
    case forbidden
    /// No such resource (REST 404).
    case notFound = "not_found"
    /// A duplicate (REST 409).
    case conflict
    /// A body, frame or field over its limit (REST 413).
    case tooLarge = "too_large"
    /// Over a rate limit (REST 429).
    case rateLimited = "rate_limited"
    /// A dependency or the room's owner is not reachable right now: retry (REST 503).
    case unavailable
    /// A bug on our side (REST 500); never the answer to bad input.
    case `internal`
    /// WebSocket: the room does not exist or was closed.
    case roomNotFound = "room_not_found"
    /// WebSocket: the connection has not joined the room.
    case notJoined = "not_joined"

    /// `true` when the same request may succeed if it is sent again later.
    public var isRetryable: Bool { self == .unavailable || self == .rateLimited }
}
