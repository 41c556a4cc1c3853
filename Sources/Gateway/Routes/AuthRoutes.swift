import ClusterKit
import Foundation
import Hummingbird

/// `/v1/auth`: register, login, refresh, logout, me.
struct AuthRoutes: Sendable {
    let users: PostgresUserStore
    let tokens: TokenService
    let passwords: PasswordHasher
    let revocations: RevocationStore
    let limiter: LoginLimiter
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
        try checkLimits(address: context.clientAddress, account: nil)
        let body = try await request.decodeJSON(RegisterBody.self, limit: maxBodyBytes)
        if let error = Validation.username(body.username) ?? Validation.email(body.email) ?? Validation.password(body.password) {
            throw error
        }
        // One answer whether the username or the email is taken: which one would tell an
        // attacker that an email has an account. Checked before the (slow) hash.
        let taken = APIError(.conflict, "username or email is already registered")
        if try await users.isTaken(username: body.username, email: body.email) { throw taken }
        let hash = try await passwords.hash(body.password)
        let user: UserRecord
        do {
            user = try await users.create(username: body.username, email: body.email, passwordHash: hash)
        } catch is PostgresUserStore.CreateError {
            throw taken
        }
        return EditedResponse(status: .created, response: try await authResponse(for: user))
    }

    @Sendable func login(_ request: Request, context: GatewayRequestContext) async throws -> AuthJSON {
        let body = try await request.decodeJSON(LoginBody.self, limit: maxBodyBytes)
        guard body.username != nil || body.email != nil else {
            throw APIError(.badRequest, "missing field 'username' or 'email'")
        }
        try checkLimits(address: context.clientAddress, account: "login:" + (body.username ?? body.email ?? ""))
        // No account can hold these (Postgres text cannot store NUL; names and emails are bounded):
        // the answer of a wrong login, without asking Postgres, which would fail with a 500.
        let fields = [body.username, body.email, body.password].compactMap { $0 }
        guard fields.allSatisfy({ !MessageLimits.containsNUL($0) && $0.utf8.count <= 1_024 }) else {
            _ = try await passwords.verify(body.password, against: nil)  // the same time as a wrong password
            throw APIError(.unauthorized, "invalid username, email or password")
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
        try checkLimits(address: nil, account: Self.accountKey(identity))
        guard let profile = try await users.profile(id: identity.userID) else {
            throw APIError(.unauthorized, "account no longer exists")
        }
        return try await authResponse(for: profile.user)
    }

    @Sendable func logout(_ request: Request, context: GatewayRequestContext) async throws -> HTTPResponse.Status {
        let identity = try context.requireIdentity()
        try checkLimits(address: nil, account: Self.accountKey(identity))
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

    /// The limiter's key for refreshes and logouts of one user (each writes: a token, a
    /// revocation row): `LOGIN_PER_ACCOUNT_PER_MIN` of them per minute. Logins are keyed
    /// `login:<name>`, so no login attempt can spend a user's refresh budget.
    static func accountKey(_ identity: Identity) -> String { "user:\(identity.userID)" }

    /// 429 when this client address, or this account, has tried too often.
    private func checkLimits(address: String?, account: String?) throws {
        guard limiter.allow(address: address, account: account, now: ProcessInfo.processInfo.systemUptime) else {
            var error = APIError(.rateLimited, "too many attempts, retry later")
            error.headers[.retryAfter] = "10"
            throw error
        }
    }

    private func authResponse(for user: UserRecord) async throws -> AuthJSON {
        let (token, expiresAt) = try await tokens.issue(userID: user.id, username: user.username)
        return AuthJSON(user: UserJSON(user, includeEmail: true), token: token, expiresAt: Timestamp.format(expiresAt))
    }
}
