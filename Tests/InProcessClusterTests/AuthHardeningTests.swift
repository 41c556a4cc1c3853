import ChorusTestSupport
import ClusterKit
import Foundation
import Hummingbird
import NIOCore
import Testing

@testable import Gateway

/// Bad input and odd tokens on the auth paths answer 4xx, never 500, and leak nothing.
@Suite struct AuthHardeningTests {
    @Test func registration_answersTheSameConflictForATakenNameOrEmail() async throws {
        try await InProcessCluster.run { cluster in
            let alice = try await cluster.register("alice")
            func register(_ username: String, _ email: String) async throws -> (HTTPResponse.Status, String?) {
                let response = try await cluster.client.execute(
                    uri: "/v1/auth/register", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"username":"\#(username)","email":"\#(email)","password":"password-1"}"#)
                )
                return (response.status, JSON(response.body)["error"]["message"].string)
            }
            let sameName = try await register(alice.username.uppercased(), "\(uniqueName("x"))@example.com")
            let sameEmail = try await register(uniqueName("y"), "\(alice.username)@example.com")
            #expect(sameName.0 == .conflict && sameEmail.0 == .conflict)
            #expect(sameName.1 == sameEmail.1)
        }
    }

    @Test func aSignedTokenOfAUserThatDoesNotExist_isUnauthorized_notAServerError() async throws {
        try await InProcessCluster.run { cluster in
            let tokens = await TokenService(secret: InProcessCluster.secret, lifetime: .seconds(3600))
            let (token, _) = try await tokens.issue(userID: Int64.max - 7, username: "ghost")
            #expect(try await cluster.status("/v1/rooms", .post, token: token) == .unauthorized)
        }
    }

    @Test func aLoginWithANULCharacter_isAWrongLogin_notAServerError() async throws {
        try await InProcessCluster.run { cluster in
            for body in [#"{"username":"a\u0000b","password":"password-1"}"#, #"{"email":"a\u0000@b.c","password":"password-1"}"#, #"{"username":"abc","password":"pass\u0000word"}"#] {
                let response = try await cluster.client.execute(
                    uri: "/v1/auth/login", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)
                )
                #expect(response.status == .unauthorized)
            }
        }
    }

    func login(_ cluster: InProcessCluster, _ username: String, _ password: String, forwardedFor: String? = nil) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let forwardedFor { headers[ForwardedAddressMiddleware.forwardedFor] = forwardedFor }
        return try await cluster.client.execute(
            uri: "/v1/auth/login", method: .post, headers: headers,
            body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#)
        ).status
    }

    /// 96 threads of junk logins used to take the one shared queue of password hashes: every
    /// legitimate login got 429.
    @Test func oneAccountUnderAttack_getsLimited_whileOtherAccountsStillLogIn() async throws {
        try await InProcessCluster.run(environment: ["LOGIN_PER_ACCOUNT_PER_MIN": "5"]) { cluster in
            let alice = try await cluster.register("alice")
            let bob = try await cluster.register("bob")
            for _ in 0..<5 { #expect(try await login(cluster, alice.username, "wrong-password") == .unauthorized) }
            #expect(try await login(cluster, alice.username.uppercased(), "wrong-password") == .tooManyRequests)
            #expect(try await login(cluster, alice.username, "password-1") == .tooManyRequests)
            #expect(try await login(cluster, bob.username, "password-1") == .ok)
        }
    }

    @Test func oneClientAddressOverItsLimit_getsLimited() async throws {
        try await InProcessCluster.run(environment: ["LOGIN_PER_ADDRESS_PER_MIN": "6"]) { cluster in
            _ = try await cluster.register("alice")  // one attempt of the 6
            for index in 0..<5 { #expect(try await login(cluster, "nobody\(index)", "wrong-password") == .unauthorized) }
            #expect(try await login(cluster, "nobody9", "wrong-password") == .tooManyRequests)
        }
    }

    /// Behind a trusted balancer (here the test itself, on 127.0.0.1), each forwarded address has
    /// its own budget: the balancer's address is not one client.
    @Test func behindATrustedProxy_theForwardedAddressIsCounted() async throws {
        try await InProcessCluster.run(environment: ["LOGIN_PER_ADDRESS_PER_MIN": "3", "TRUSTED_PROXIES": "127.0.0.1"]) { (cluster: InProcessCluster) async throws in
            for _ in 0..<3 { #expect(try await login(cluster, "nobody", "wrong-password", forwardedFor: "203.0.113.7") == .unauthorized) }
            #expect(try await login(cluster, "nobody", "wrong-password", forwardedFor: "203.0.113.7") == .tooManyRequests)
            // A client that adds its own header: the balancer appends the real address last.
            #expect(try await login(cluster, "nobody", "wrong-password", forwardedFor: "198.51.100.1, 203.0.113.8") == .unauthorized)
            #expect(try await login(cluster, "nobody", "wrong-password", forwardedFor: "203.0.113.7, 203.0.113.9") == .unauthorized)
        }
    }

    /// From a peer that is not a trusted proxy, `X-Forwarded-For` changes nothing.
    @Test func withoutTrustedProxies_aForwardedAddressIsIgnored() async throws {
        try await InProcessCluster.run(environment: ["LOGIN_PER_ADDRESS_PER_MIN": "3"]) { (cluster: InProcessCluster) async throws in
            for index in 0..<3 {
                #expect(try await login(cluster, "nobody", "wrong-password", forwardedFor: "203.0.113.\(index)") == .unauthorized)
            }
            #expect(try await login(cluster, "nobody", "wrong-password", forwardedFor: "203.0.113.99") == .tooManyRequests)
        }
    }

    @Test func refreshAndLogout_areThrottledPerUser() async throws {
        try await InProcessCluster.run(environment: ["LOGIN_PER_ACCOUNT_PER_MIN": "3"]) { cluster in
            let alice = try await cluster.register("alice")
            // A login attempt naming the same key text spends nothing of alice's refresh budget.
            #expect(try await login(cluster, "user:\(alice.id)", "wrong-password") == .unauthorized)
            for _ in 0..<3 { #expect(try await cluster.status("/v1/auth/refresh", .post, token: alice.token) == .ok) }
            #expect(try await cluster.status("/v1/auth/refresh", .post, token: alice.token) == .tooManyRequests)
            #expect(try await cluster.status("/v1/auth/logout", .post, token: alice.token) == .tooManyRequests)
        }
    }
}
