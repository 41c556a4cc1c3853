/// The verified caller of a request or the owner of a WebSocket: the claims of a valid, unrevoked token.
struct Identity: Sendable, Equatable {
    let userID: Int64
    let username: String
    /// The token's id, the handle for revoking exactly this token.
    let tokenID: String
    /// When the token expires (Unix seconds).
    let expiresAt: Int64
}
