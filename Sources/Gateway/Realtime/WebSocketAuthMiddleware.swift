import Hummingbird

/// Authenticates a WebSocket upgrade by `Authorization: Bearer` or `?token=` (browsers cannot set
/// headers). On failure the upgrade is declined and answered 401 (see `UpgradeRefusalRewriter`):
/// a bad token never gets a socket. A plain GET without upgrade reaches the HTTP router instead,
/// whose `GET /v1/ws` route answers 401 or 400.
struct WebSocketAuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let authenticator: Authenticator
    /// New sockets per second this gateway admits (a reconnect storm after another gateway died
    /// is spread out instead of stalling everyone).
    let admission: Admission

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        guard admission.allow() else {
            if let channel = context.channel {
                try? await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(
                        UpgradeRefusalRewriter(status: .serviceUnavailable, headers: [("Retry-After", "1")])
                    )
                }.get()
            }
            throw APIError(.unavailable, "too many new connections, retry shortly")
        }
        do {
            context.identity = try await authenticator.identity(for: try Self.token(of: request))
        } catch let error as APIError where error.code == .unauthorized {
            // The framework answers a declined upgrade with 400: make it the contract's 401.
            if let channel = context.channel {
                try? await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(UpgradeRefusalRewriter())
                }.get()
            }
            throw error
        }
        return try await next(request, context)
    }

    static func token(of request: Request) throws -> String {
        if let token = Authenticator.bearerToken(request.headers[.authorization]) { return token }
        if let token = request.uri.queryParameters.get("token"), !token.isEmpty { return token }
        throw APIError(.unauthorized, "missing token: use Authorization: Bearer or ?token=")
    }
}
