import ClusterKit
import Hummingbird

/// Requires `Authorization: Bearer <token>`: a valid, unexpired, unrevoked token, else 401.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Authenticator.bearerToken(request.headers[.authorization]) else {
            throw APIError(.unauthorized, "missing bearer token")
        }
        var context = context
        context.identity = try await authenticator.identity(for: token)
        return try await next(request, context)
    }
}

/// Verifies a token and checks that it is not revoked, for REST and WebSocket alike.
struct Authenticator: Sendable {
    let tokens: TokenService
    let revocations: RevocationStore
    let storageTimeout: Duration

    /// The identity behind `token`; throws 401 `unauthorized` (bad, expired or revoked) or 503 (Redis unreachable).
    func identity(for token: String) async throws -> Identity {
        guard let identity = await tokens.verify(token) else {
            throw APIError(.unauthorized, "invalid or expired token")
        }
        if try await isRevoked(identity) { throw APIError(.unauthorized, "token has been revoked") }
        return identity
    }

    /// Whether `identity`'s token or user was revoked; throws when Redis does not answer in time.
    func isRevoked(_ identity: Identity) async throws -> Bool {
        let revocations = self.revocations
        return try await withTimeout(storageTimeout) {
            try await revocations.isRevoked(tokenID: identity.tokenID, userID: identity.userID)
        }
    }

    /// The token in an `Authorization: Bearer` header value.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
