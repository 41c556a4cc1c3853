import ClusterKit
import HTTPTypes
import Hummingbird

/// Behind a trusted load balancer (`TRUSTED_PROXIES`), the request's client address is the one
/// the balancer forwards in `X-Forwarded-For`, so that per-address limits count clients, not the
/// balancer. From any other peer the header is ignored: a client cannot name itself someone else.
struct ForwardedAddressMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let trusted: TrustedProxies

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !trusted.isEmpty else { return try await next(request, context) }
        var context = context
        context.clientAddress = trusted.clientAddress(peer: context.clientAddress, forwardedFor: request.headers[values: Self.forwardedFor])
        return try await next(request, context)
    }
}
