import Foundation
import JWTKit

/// The claims of a Chorus token: `sub` (user id), `name`, `iat`, `exp`, `jti`.
struct TokenClaims: JWTPayload {
    var sub: SubjectClaim
    var name: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var jti: IDClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Issues and verifies HS256 tokens.
struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    let lifetime: Duration

    /// `secret` must be at least `GatewayConfig.minimumSecretBytes` long (checked by the configuration).
    init(secret: String, lifetime: Duration) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.lifetime = lifetime
    }

    /// A new token for the user, with a fresh `jti`.
    func issue(userID: Int64, username: String, now: Date = Date()) async throws -> (token: String, expiresAt: Date) {
        // NumericDate claims in whole seconds: some JWT libraries reject fractions.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let expiresAt = now.addingTimeInterval(TimeInterval(lifetime.components.seconds))
        let claims = TokenClaims(
            sub: .init(value: String(userID)),
            name: username,
            iat: .init(value: now),
            exp: .init(value: expiresAt),
            jti: .init(value: UUID().uuidString.lowercased())
        )
        return (try await keys.sign(claims), expiresAt)
    }

    /// The identity in `token`, or `nil` if it is malformed, forged or expired.
    func verify(_ token: String) async -> Identity? {
        guard let claims = try? await keys.verify(token, as: TokenClaims.self),
            let userID = Int64(claims.sub.value), userID > 0
        else { return nil }
        return Identity(
            userID: userID,
            username: claims.name,
            tokenID: claims.jti.value,
            expiresAt: Self.unixSeconds(claims.exp.value.timeIntervalSince1970)
        )
    }

    /// Whole Unix seconds of a token's time, clamped to `Int64` (a signed `exp` of 1e20 must not
    /// trap the gateway: `Int64(Double)` does when the value is out of range).
    static func unixSeconds(_ seconds: Double) -> Int64 {
        guard seconds.isFinite else { return seconds > 0 ? .max : 0 }
        return Int64(exactly: seconds.rounded(.down)) ?? (seconds > 0 ? .max : .min)
    }
}
