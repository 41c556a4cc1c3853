import ClusterKit
import Foundation
import Hummingbird

/// `/v1/auth`: register, login, refresh, logout, me.
struct AuthRoutes: Sendable {
    let users: PostgresUserStore
    let tokens: TokenService
    let passwords: PasswordHasher
    let revocations: RevocationStore
    let maxBodyBytes: Int

    struct RegisterBody: Decodable {
        let username: String
        let email: String
        let password: String
    }

    struct LoginBody: Decodable {
        let username: String?
        let email: String?
        let password: String
    }

    /// Public routes (no token).
    func addPublic(to group: RouterGroup<GatewayRequestContext>) {
        group.post("register", use: register)
        group.post("login", use: login)
    }

    /// Routes behind `AuthMiddleware`.
    func addAuthenticated(to group: RouterGroup<GatewayRequestContext>) {
        group.post("refresh", use: refresh)
        group.post("logout", use: logout)
        group.get("me", use: me)
    }

    @Sendable func register(_ request: Request, context: GatewayRequestContext) async throws -> EditedResponse<AuthJSON> {
        let body = try await request.decodeJSON(RegisterBody.self, limit: maxBodyBytes)
        if let error = Validation.username(body.username) ?? Validation.email(body.email) ?? Validation.password(body.password) {
            throw error
        }
        let hash = try await passwords.hash(body.password)
        let user: UserRecord
        do {
            user = try await users.create(username: body.username, email: body.email, passwordHash: hash)
        } catch PostgresUserStore.CreateError.usernameTaken {
            throw APIError(.conflict, "username is already taken")
        } catch PostgresUserStore.CreateError.emailTaken {
            throw APIError(.conflict, "email is already registered")
        }
        return EditedResponse(status: .created, response: try await authResponse(for: user))
    }

    @Sendable func login(_ request: Request, context: GatewayRequestContext) async throws -> AuthJSON {
        let body = try await request.decodeJSON(LoginBody.self, limit: maxBodyBytes)
        guard body.username != nil || body.email != nil else {
            throw APIError(.badRequest, "missing field 'username' or 'email'")
        }
        let found = try await users.credentials(username: body.username, email: body.username == nil ? body.email : nil)
        // The hash is checked even for an unknown user, so both failures look and take the same.
        guard try await passwords.verify(body.password, against: found?.1), let user = found?.0 else {
            throw APIError(.unauthorized, "invalid username, email or password")
        }
        return try await authResponse(for: user)
    }

    @Sendable func refresh(_ request: Request, context: GatewayRequestContext) async throws -> AuthJSON {
        let identity = try context.requireIdentity()
        guard let profile = try await users.profile(id: identity.userID) else {
            throw APIError(.unauthorized, "account no longer exists")
        }
        return try await authResponse(for: profile.user)
    }

    @Sendable func logout(_ request: Request, context: GatewayRequestContext) async throws -> HTTPResponse.Status {
        let identity = try context.requireIdentity()
        try await revocations.revoke(identity, now: Int64(Date().timeIntervalSince1970))
        return .noContent
    }

    @Sendable func me(_ request: Request, context: GatewayRequestContext) async throws -> UserEnvelope {
        let identity = try context.requireIdentity()
        guard let profile = try await users.profile(id: identity.userID) else {
            throw APIError(.unauthorized, "account no longer exists")
        }
        return UserEnvelope(user: UserJSON(profile.user, includeEmail: true))
    }

    private func authResponse(for user: UserRecord) async throws -> AuthJSON {
        let (token, expiresAt) = try await tokens.issue(userID: user.id, username: user.username)
        return AuthJSON(user: UserJSON(user, includeEmail: true), token: token, expiresAt: Timestamp.format(expiresAt))
    }
}
