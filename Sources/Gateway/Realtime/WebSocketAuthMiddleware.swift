import Hummingbird

/// Authenticates a WebSocket upgrade by `Authorization: Bearer` or `?token=` (browsers cannot set
/// headers). On failure the upgrade is declined and the request falls through to the HTTP router,
/// whose `GET /v1/ws` route answers 401 — a bad token never gets a socket.
struct WebSocketAuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.identity = try await authenticator.identity(for: try Self.token(of: request))
        return try await next(request, context)
    }

    static func token(of request: Request) throws -> String {
        if let token = Authenticator.bearerToken(request.headers[.authorization]) { return token }
        if let token = request.uri.queryParameters.get("token"), !token.isEmpty { return token }
        throw APIError(.unauthorized, "missing token: use Authorization: Bearer or ?token=")
    }
}
