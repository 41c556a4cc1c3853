import ChorusTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Gateway

@Suite struct UserAPITests {
    @Test func profile_showsEmailOnlyToItsOwner_andCounts() async throws {
        try await GatewayHarness.withGateway { client in
            let alice = try await client.register("alice")
            let bob = try await client.register("bob")
            let asBob = try await client.json("/v1/users/\(alice.id)", .get, token: bob.token)
            #expect(asBob.status == .ok)
            #expect(asBob.json["user"].keys == ["id", "username", "created_at", "followers", "following"])
            #expect(asBob.json["user"]["followers"].int == 0)
            let asAlice = try await client.json("/v1/users/\(alice.id)", .get, token: alice.token)
            #expect(asAlice.json["user"]["email"].string == alice.email)
            let me = try await client.json("/v1/users/me", .get, token: alice.token)
            #expect(me.json["user"]["id"].int == alice.id)
            #expect(me.json["user"]["email"].string == alice.email)
        }
    }

    @Test func follow_isIdempotent_andListed() async throws {
        try await GatewayHarness.withGateway { client in
            let alice = try await client.register("alice")
            let bob = try await client.register("bob")
            let carol = try await client.register("carol")
            for _ in 0..<2 {
                #expect(try await client.json("/v1/users/\(alice.id)/follow", .post, token: bob.token).status == .noContent)
            }
            #expect(try await client.json("/v1/users/\(alice.id)/follow", .post, token: carol.token).status == .noContent)
            #expect(try await client.json("/v1/users/\(carol.id)/follow", .post, token: alice.token).status == .noContent)

            let profile = try await client.json("/v1/users/\(alice.id)", .get, token: bob.token)
            #expect(profile.json["user"]["followers"].int == 2)
            #expect(profile.json["user"]["following"].int == 1)

            let followers = try await client.json("/v1/users/\(alice.id)/followers", .get, token: bob.token)
            #expect(followers.status == .ok)
            #expect(followers.json["users"].array.map { $0["id"].int } == [bob.id, carol.id])
            #expect(followers.json["users"][0]["email"].string == bob.email)  // bob sees his own email
            #expect(!followers.json["users"][1]["email"].exists)
            let page = try await client.json("/v1/users/\(alice.id)/followers?limit=1&after_id=\(bob.id)", .get, token: bob.token)
            #expect(page.json["users"].array.map { $0["id"].int } == [carol.id])
            let following = try await client.json("/v1/users/\(alice.id)/following", .get, token: bob.token)
            #expect(following.json["users"].array.map { $0["id"].int } == [carol.id])

            for _ in 0..<2 {
                #expect(try await client.json("/v1/users/\(alice.id)/follow", .delete, token: bob.token).status == .noContent)
            }
            let after = try await client.json("/v1/users/\(alice.id)/followers", .get, token: bob.token)
            #expect(after.json["users"].array.map { $0["id"].int } == [carol.id])
        }
    }

    @Test func followErrors() async throws {
        try await GatewayHarness.withGateway { client in
            let alice = try await client.register()
            let me = try await client.json("/v1/users/\(alice.id)/follow", .post, token: alice.token)
            #expect(me.status == .badRequest)
            expectError(try await client.json("/v1/users/999999999/follow", .post, token: alice.token), .notFound, "not_found")
            expectError(try await client.json("/v1/users/abc/follow", .post, token: alice.token), .notFound, "not_found")
            #expect(try await client.json("/v1/users/999999999/follow", .delete, token: alice.token).status == .noContent)
            expectError(try await client.json("/v1/users/999999999", .get, token: alice.token), .notFound, "not_found")
            expectError(try await client.json("/v1/users/999999999/followers", .get, token: alice.token), .notFound, "not_found")
            expectError(try await client.json("/v1/users/\(alice.id)/followers?limit=-1", .get, token: alice.token), .badRequest, "bad_request")
            expectError(try await client.json("/v1/users/\(alice.id)/following?after_id=x", .get, token: alice.token), .badRequest, "bad_request")
        }
    }

    @Test func deleteMe_endsTheAccount_butKeepsItsMessages() async throws {
        try await GatewayHarness.withGateway { client in
            let alice = try await client.register("alice")
            let bob = try await client.register("bob")
            let second = try #require(try await client.json(
                "/v1/auth/login", .post, body: #"{"username":"\#(alice.username)","password":"\#(alice.password)"}"#
            ).json["token"].string)
            #expect(try await client.json("/v1/users/\(bob.id)/follow", .post, token: alice.token).status == .noContent)
            let room = try await client.json("/v1/rooms", .post, token: bob.token, body: #"{"name":"history"}"#).json["room"]["id"].int!
            try await TestDatabase.insertMessages(room: room, user: alice.id, username: alice.username, seqs: 1...3)

            #expect(try await client.json("/v1/users/me", .delete, token: alice.token).status == .noContent)

            for token in [alice.token, second] {
                expectError(try await client.json("/v1/auth/me", .get, token: token), .unauthorized, "unauthorized")
            }
            expectError(
                try await client.json("/v1/auth/login", .post, body: #"{"username":"\#(alice.username)","password":"\#(alice.password)"}"#),
                .unauthorized, "unauthorized"
            )
            expectError(try await client.json("/v1/users/\(alice.id)", .get, token: bob.token), .notFound, "not_found")
            expectError(try await client.json("/v1/users/\(alice.id)/follow", .post, token: bob.token), .notFound, "not_found")
            #expect(try await client.json("/v1/users/\(bob.id)", .get, token: bob.token).json["user"]["followers"].int == 0)
            let history = try await client.json("/v1/rooms/\(room)/messages", .get, token: bob.token)
            #expect(history.json["messages"].array.map { $0["user_id"].int } == [alice.id, alice.id, alice.id])
            #expect(history.json["messages"][0]["username"].string == alice.username)
        }
    }
}
