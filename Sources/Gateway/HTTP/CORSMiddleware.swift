import Hummingbird

/// CORS for the configured origins (`*` allows any). Answers preflight requests itself, on any path.
///
/// Tokens travel in the `Authorization` header, never in cookies, so credentials are not allowed
/// and `*` is safe for deployments that do not restrict origins.
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: Set<String>
    let allowsAny: Bool

    init(allowedOrigins: [String]) {
        self.allowedOrigins = Set(allowedOrigins)
        self.allowsAny = allowedOrigins.contains("*")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], allowsAny || allowedOrigins.contains(origin) else {
            return try await next(request, context)
        }
        let allowOrigin = allowsAny ? "*" : origin
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers: HTTPFields = [
                .accessControlAllowOrigin: allowOrigin,
                .accessControlAllowMethods: "GET, POST, PUT, PATCH, DELETE, OPTIONS",
                .accessControlAllowHeaders: request.headers[.accessControlRequestHeaders] ?? "Authorization, Content-Type",
                .accessControlMaxAge: "600",
            ]
            if !allowsAny { headers[.vary] = "Origin" }
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = allowOrigin
        if !allowsAny { response.headers[.vary] = "Origin" }
        return response
    }
}
