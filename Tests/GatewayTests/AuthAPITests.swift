import ChorusTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Gateway

@Suite struct AuthAPITests {
    @Test func register_returnsUserTokenAndExpiry() async throws {
        try await GatewayHarness.withGateway { client in
            let username = uniqueName("Reg")
            let result = try await client.json(
                "/v1/auth/register", .post,
                body: #"{"username":"\#(username)","email":"\#(username)@Example.com","password":"correct horse"}"#
            )
            #expect(result.status == .created)
            let user = result.json["user"]
            #expect(user.keys == ["id", "username", "email", "created_at"])
            #expect(user["username"].string == username)
            #expect(user["email"].string == "\(username)@Example.com")
            #expect(try #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/#.wholeMatch(in: user["created_at"].string ?? "") != nil)
            #expect(try #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/#.wholeMatch(in: result.json["expires_at"].string ?? "") != nil)
            let token = try #require(result.json["token"].string)
            #expect(token.split(separator: ".").count == 3)
            let me = try await client.json("/v1/auth/me", .get, token: token)
            #expect(me.status == .ok)
            #expect(me.json["user"]["id"].int == user["id"].int)
        }
    }

    @Test func tokenCarriesTheContractClaims() async throws {
        try await GatewayHarness.withGateway { client in
            let user = try await client.register()
            let payload = String(user.token.split(separator: ".")[1])
            var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
            let claims = JSON(ByteBuffer(bytes: Array(try #require(Data(base64Encoded: base64)))))
            #expect(claims["sub"].string == String(user.id))
            #expect(claims["name"].string == user.username)
            #expect(claims["iat"].exists && claims["exp"].exists && claims["jti"].string != nil)
        }
    }

    @Test func duplicates_areConflicts_caseInsensitively() async throws {
        try await GatewayHarness.withGateway { client in
            let user = try await client.register()
            let sameName = try await client.json(
                "/v1/auth/register", .post,
                body: #"{"username":"\#(user.username.uppercased())","email":"other-\#(user.email)","password":"password1"}"#
            )
            expectError(sameName, .conflict, "conflict")
            let sameEmail = try await client.json(
                "/v1/auth/register", .post,
                body: #"{"username":"x\#(user.username)","email":"\#(user.email.uppercased())","password":"password1"}"#
            )
            expectError(sameEmail, .conflict, "conflict")
        }
    }

    @Test(arguments: [
        #"{"username":"ab","email":"a@b.c","password":"password1"}"#,
        #"{"username":"has space","email":"a@b.c","password":"password1"}"#,
        #"{"username":"ünïcode","email":"a@b.c","password":"password1"}"#,
        #"{"username":"\#(String(repeating: "a", count: 33))","email":"a@b.c","password":"password1"}"#,
        #"{"username":"valid_name","email":"not-an-email","password":"password1"}"#,
        #"{"username":"valid_name","email":"a@b.c","password":"short"}"#,
        #"{"username":"valid_name","email":"a@b.c","password":"\#(String(repeating: "p", count: 129))"}"#,
        #"{"username":"valid_name","email":"a@b.c","password":"pass\u0000word1"}"#,
        #"{"username":"valid_name","email":"a\u0000@b.c","password":"password1"}"#,
    ])
    func invalidRegistration_isValidationFailed(body: String) async throws {
        try await GatewayHarness.withGateway { client in
            expectError(try await client.json("/v1/auth/register", .post, body: body), .badRequest, "validation_failed")
        }
    }

    /// Passwords: 8–128 characters (the rule) and at most 512 UTF-8 bytes (the bound); no NUL.
    @Test func password_isBoundedInCharacters_andInBytes() {
        #expect(Validation.password(String(repeating: "\u{1F44D}", count: 128)) == nil)
        #expect(Validation.password(String(repeating: "\u{1F44D}\u{1F3FD}", count: 8)) == nil)
        #expect(Validation.password("p" + String(repeating: "\u{301}", count: 300) + "assword")?.code == .validationFailed)
        #expect(Validation.password("pass\u{0}word1")?.code == .validationFailed)
        #expect(Validation.email("a\u{0}@b.c")?.code == .validationFailed)
    }

    @Test(arguments: [
        "not json",
        "{",
        "[]",
        "42",
        #"{"username":5,"email":"a@b.c","password":"password1"}"#,
        #"{"email":"a@b.c","password":"password1"}"#,
        #"{"username":null,"email":"a@b.c","password":"password1"}"#,
        "",
    ])
    func malformedRegistration_isBadRequest(body: String) async throws {
        try await GatewayHarness.withGateway { client in
            expectError(try await client.json("/v1/auth/register", .post, body: body), .badRequest, "bad_request")
        }
    }

    @Test func bodyOverTheLimit_isTooLarge() async throws {
        try await GatewayHarness.withGateway { client in
            let padding = String(repeating: "x", count: 70_000)
            let body = #"{"username":"big","email":"a@b.c","password":"\#(padding)"}"#
            expectError(try await client.json("/v1/auth/register", .post, body: body), .contentTooLarge, "too_large")
            // The server is still fine afterwards.
            #expect(try await client.json("/healthz", .get).status == .ok)
        }
    }

    @Test func login_byUsernameOrEmail_caseInsensitively() async throws {
        try await GatewayHarness.withGateway { client in
            let user = try await client.register("Login")
            for body in [
                #"{"username":"\#(user.username)","password":"\#(user.password)"}"#,
                #"{"username":"\#(user.username.lowercased())","password":"\#(user.password)"}"#,
                #"{"email":"\#(user.email.uppercased())","password":"\#(user.password)"}"#,
            ] {
                let result = try await client.json("/v1/auth/login", .post, body: body)
                #expect(result.status == .ok, "\(body)")
                #expect(result.json["user"]["id"].int == user.id)
                #expect(result.json["token"].string != nil && result.json["expires_at"].string != nil)
            }
        }
    }

    @Test func wrongLogin_isUnauthorized_withTheSameMessage() async throws {
        try await GatewayHarness.withGateway { client in
            let user = try await client.register()
            let wrongPassword = try await client.json(
                "/v1/auth/login", .post, body: #"{"username":"\#(user.username)","password":"wrong-password"}"#
            )
            let unknownUser = try await client.json(
                "/v1/auth/login", .post, body: #"{"username":"nobody-\#(user.username)","password":"wrong-password"}"#
            )
            expectError(wrongPassword, .unauthorized, "unauthorized")
            expectError(unknownUser, .unauthorized, "unauthorized")
            #expect(wrongPassword.json["error"]["message"].string == unknownUser.json["error"]["message"].string)
            expectError(try await client.json("/v1/auth/login", .post, body: #"{"password":"x"}"#), .badRequest, "bad_request")
        }
    }

    @Test func refresh_givesAFreshToken_andTheOldOneStaysValid() async throws {
        try await GatewayHarness.withGateway { client in
            let user = try await client.register()
            let refreshed = try await client.json("/v1/auth/refresh", .post, token: user.token)
            #expect(refreshed.status == .ok)
            let fresh = try #require(refreshed.json["token"].string)
            #expect(fresh != user.token)
            #expect(refreshed.json["user"]["id"].int == user.id)
            #expect(try await client.json("/v1/auth/me", .get, token: user.token).status == .ok)
            #expect(try await client.json("/v1/auth/me", .get, token: fresh).status == .ok)
        }
    }

    @Test func logout_revokesOnlyThatToken() async throws {
        try await GatewayHarness.withGateway { client in
            let user = try await client.register()
            let other = try #require(try await client.json(
                "/v1/auth/login", .post, body: #"{"username":"\#(user.username)","password":"\#(user.password)"}"#
            ).json["token"].string)
            #expect(try await client.json("/v1/auth/logout", .post, token: user.token).status == .noContent)
            expectError(try await client.json("/v1/auth/me", .get, token: user.token), .unauthorized, "unauthorized")
            expectError(try await client.json("/v1/auth/logout", .post, token: user.token), .unauthorized, "unauthorized")
            #expect(try await client.json("/v1/auth/me", .get, token: other).status == .ok)
        }
    }

    @Test(arguments: [nil, "garbage", "Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz"])
    func missingOrBadToken_isUnauthorized(header: String?) async throws {
        try await GatewayHarness.withGateway { client in
            var headers: HTTPFields = [:]
            if let header { headers[.authorization] = header }
            for (uri, method) in [("/v1/auth/me", HTTPRequest.Method.get), ("/v1/rooms", .get), ("/v1/auth/logout", .post), ("/v1/users/1", .get)] {
                expectError(try await client.json(uri, method, headers: headers), .unauthorized, "unauthorized")
            }
        }
    }

    @Test func expiredOrForeignToken_isUnauthorized() async throws {
        try await GatewayHarness.withGateway { client in
            let user = try await client.register()
            let past = Date().addingTimeInterval(-7200)
            let expired = try await TokenService(secret: GatewayHarness.secret, lifetime: .seconds(60))
                .issue(userID: user.id, username: user.username, now: past).token
            expectError(try await client.json("/v1/auth/me", .get, token: expired), .unauthorized, "unauthorized")
            let foreign = try await TokenService(secret: String(repeating: "z", count: 40), lifetime: .seconds(60))
                .issue(userID: user.id, username: user.username).token
            expectError(try await client.json("/v1/auth/me", .get, token: foreign), .unauthorized, "unauthorized")
        }
    }
}
