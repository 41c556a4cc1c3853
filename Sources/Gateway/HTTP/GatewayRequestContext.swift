import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of every gateway route.
struct GatewayRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<GatewayRequestContext>
    /// The verified caller, set by `AuthMiddleware` on authenticated routes.
    var identity: Identity?
    /// The connection, for the WebSocket upgrade decision (which must shape its own refusal).
    let channel: (any Channel)?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.identity = nil
        self.channel = source.channel
    }

    /// The verified caller; throws 401 on a route without `AuthMiddleware` (a programming error kept safe).
    func requireIdentity() throws -> Identity {
        guard let identity else { throw APIError(.unauthorized, "authentication required") }
        return identity
    }
}
