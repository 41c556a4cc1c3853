import Crypto
import Foundation

/// Mints the cluster's HS256 tokens with its secret (claims `sub` = user id as a string, `name`,
/// `iat`, `exp`, `jti`, whole seconds, as the gateway's `TokenService` issues them), so that
/// thousands of clients need no registration: the real-time path checks the token and the
/// revocation keys only, and messages have no foreign key to users (see docs/BENCHMARKS.md).
public struct TokenMinter: Sendable {
    private let key: SymmetricKey
    /// Lifetime of minted tokens.
    public let lifetimeSeconds: Int64

    /// The gateway refuses secrets shorter than this (HS256 keys below 32 bytes are weak).
    public static let minimumSecretBytes = 32

    public init(secret: String, lifetimeSeconds: Int64 = 86_400) throws {
        guard secret.utf8.count >= Self.minimumSecretBytes else {
            throw LoadError.badArgument("the JWT secret must be at least \(Self.minimumSecretBytes) bytes (it has \(secret.utf8.count))")
        }
        key = SymmetricKey(data: Data(secret.utf8))
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// A token for `userID` named `username`, issued at `now` (seconds since 1970).
    public func token(userID: Int64, username: String, now: Int64 = Int64(Date().timeIntervalSince1970)) -> String {
        let header = Self.base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let jti = UUID().uuidString.lowercased()
        let payload = Self.base64URL(
            Data(#"{"sub":"\#(userID)","name":"\#(username)","iat":\#(now),"exp":\#(now + lifetimeSeconds),"jti":"\#(jti)"}"#.utf8)
        )
        let signingInput = header + "." + payload
        let signature = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: key)
        return signingInput + "." + Self.base64URL(Data(signature))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
