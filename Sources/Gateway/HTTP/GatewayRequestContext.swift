import Hummingbird
import NIOCore

/// The request context of every gateway route.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The verified caller, set by `AuthMiddleware` on authenticated routes.
    var identity: Identity?
    /// The client's IP address as the socket sees it (behind a load balancer: the balancer's,
    /// until the forwarded address is trusted).
    let clientAddress: String?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.identity = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The verified caller; throws 401 on a route without `AuthMiddleware` (a programming error kept safe).
    func requireIdentity() throws -> Identity {
        guard let identity else { throw APIError(.unauthorized, "authentication required") }
        return identity
    }
}
