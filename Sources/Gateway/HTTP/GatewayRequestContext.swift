import Hummingbird
import NIOCore

/// The request context of every gateway route.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The verified caller, set by `AuthMiddleware` on authenticated routes.
    var identity: Identity?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.identity = nil
    }

    /// The verified caller; throws 401 on a route without `AuthMiddleware` (a programming error kept safe).
    func requireIdentity() throws -> Identity {
        guard let identity else { throw APIError(.unauthorized, "authentication required") }
        return identity
    }
}
