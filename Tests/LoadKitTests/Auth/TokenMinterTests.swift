import Foundation
import JWTKit
import Testing

@testable import LoadKit

@Suite struct TokenMinterTests {
    /// The claims the gateway's TokenService verifies.
    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var name: String
        var iat: IssuedAtClaim
        var exp: ExpirationClaim
        var jti: IDClaim

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
        }
    }

    let secret = "load-test-secret-0123456789abcdefghijkl"

    @Test func aMintedTokenVerifiesLikeTheGatewayVerifiesIt() async throws {
        let minter = try TokenMinter(secret: secret, lifetimeSeconds: 3_600)
        let token = minter.token(userID: 1_000_000_042, username: "load1000000042")
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let claims = try await keys.verify(token, as: Claims.self)
        #expect(claims.sub.value == "1000000042")
        #expect(claims.name == "load1000000042")
        #expect(claims.exp.value.timeIntervalSince(claims.iat.value) == 3_600)
        #expect(!claims.jti.value.isEmpty)
    }

    @Test func aTokenSignedWithAnotherSecretDoesNotVerify() async throws {
        let token = try TokenMinter(secret: secret).token(userID: 1, username: "a")
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret + "x"), digestAlgorithm: .sha256)
        await #expect(throws: (any Error).self) { try await keys.verify(token, as: Claims.self) }
    }

    @Test func everyTokenHasItsOwnID() throws {
        let minter = try TokenMinter(secret: secret)
        #expect(minter.token(userID: 1, username: "a", now: 100) != minter.token(userID: 1, username: "a", now: 100))
    }

    @Test func aShortSecretIsRefusedWithAMessage() {
        #expect(throws: LoadError.self) { try TokenMinter(secret: "short") }
    }

    @Test func base64URLHasNoPaddingOrPlusOrSlash() {
        #expect(TokenMinter.base64URL(Data([0xFB, 0xFF, 0xBF])) == "-_-_")
        #expect(TokenMinter.base64URL(Data([0x01])) == "AQ")
    }
}
