import Hummingbird
import NIOCore

/// The request context of every gateway route.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The verified caller, set by `AuthMiddleware` on authenticated routes.
    var identity: Identity?
    /// The client's IP address: the socket's peer, or behind a trusted load balancer the address
    /// it forwards (`ForwardedAddressMiddleware`).
    var clientAddress: String?

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
