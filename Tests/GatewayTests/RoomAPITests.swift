import ChorusTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Gateway

@Suite struct RoomAPITests {
    @Test func create_getAndList() async throws {
        try await GatewayHarness.withGateway { client in
            let owner = try await client.register()
            let created = try await client.json("/v1/rooms", .post, token: owner.token, body: #"{"name":"général 🎉"}"#)
            #expect(created.status == .created)
            let room = created.json["room"]
            #expect(room.keys == ["id", "name", "owner_id", "created_at", "last_seq", "visibility", "topic"])
            #expect(room["visibility"].string == "public" && room["topic"].string == "")
            #expect(room["name"].string == "général 🎉")
            #expect(room["owner_id"].int == owner.id)
            #expect(room["last_seq"].int == 0)
            let id = try #require(room["id"].int)

            let fetched = try await client.json("/v1/rooms/\(id)", .get, token: owner.token)
            #expect(fetched.status == .ok)
            #expect(fetched.json["room"]["id"].int == id)

            var ids: [Int64] = []
            for index in 0..<3 {
                ids.append(try await client.json("/v1/rooms", .post, token: owner.token, body: #"{"name":"r\#(index)"}"#).json["room"]["id"].int!)
            }
            // Other tests create rooms concurrently: check order and paging, not exact neighbours.
            let all = try await client.json("/v1/rooms?after_id=\(id - 1)&limit=1000", .get, token: owner.token)
            let listed = all.json["rooms"].array.compactMap { $0["id"].int }
            #expect(listed.count <= 200)
            #expect(listed == listed.sorted())
            #expect(listed.first == id)
            #expect(ids.allSatisfy(listed.contains))
            let page = try await client.json("/v1/rooms?after_id=\(id)&limit=2", .get, token: owner.token)
            #expect(page.status == .ok)
            // Rooms of other tests may be deleted between the two reads: check the page's shape,
            // and that it skips none of this test's rooms.
            let pageIDs = page.json["rooms"].array.compactMap { $0["id"].int }
            #expect(pageIDs.count == 2)
            #expect(pageIDs == pageIDs.sorted() && pageIDs.allSatisfy { $0 > id })
            #expect(pageIDs.first.map { $0 <= ids[0] } == true)
            let firstPage = try await client.json("/v1/rooms", .get, token: owner.token)
            #expect(firstPage.json["rooms"].array.count <= 50)
        }
    }

    /// Contract v1.1: a room has a visibility and a topic. Private rooms are refused until access
    /// control is in (never silently created public).
    @Test func create_withTopicAndVisibility() async throws {
        try await GatewayHarness.withGateway { client in
            let owner = try await client.register()
            let created = try await client.json("/v1/rooms", .post, token: owner.token, body: #"{"name":"r","visibility":"public","topic":"about r"}"#)
            #expect(created.status == .created)
            #expect(created.json["room"]["visibility"].string == "public")
            #expect(created.json["room"]["topic"].string == "about r")
            let id = try #require(created.json["room"]["id"].int)
            #expect(try await client.json("/v1/rooms/\(id)", .get, token: owner.token).json["room"]["topic"].string == "about r")
            let longest = String(repeating: "é", count: 250)  // 500 bytes
            #expect(try await client.json("/v1/rooms", .post, token: owner.token, body: #"{"name":"r","topic":"\#(longest)"}"#).status == .created)
            for body in [
                #"{"name":"r","topic":"\#(longest)x"}"#, #"{"name":"r","topic":"a\u0000b"}"#,
                #"{"name":"r","visibility":"secret"}"#, #"{"name":"r","visibility":"PRIVATE"}"#,
            ] {
                let refused = try await client.json("/v1/rooms", .post, token: owner.token, body: body)
                #expect(refused.status == .badRequest, "\(body)")
                #expect(refused.json["error"]["code"].string == "validation_failed", "\(body)")
            }
        }
    }

    @Test(arguments: [
        #"{"name":""}"#, #"{"name":"   "}"#, #"{"name":"\#(String(repeating: "n", count: 101))"}"#, #"{"name":"a\u0000b"}"#,
        #"{"name":"a\#(String(repeating: "\u{301}", count: 300))"}"#,
    ])
    func invalidName_isValidationFailed(body: String) async throws {
        try await GatewayHarness.withGateway { client in
            let owner = try await client.register()
            expectError(try await client.json("/v1/rooms", .post, token: owner.token, body: body), .badRequest, "validation_failed")
        }
    }

    /// Characters are the rule users see; bytes the hard bound: one character of 60,001 bytes
    /// ("a" and 30,000 combining acute accents) is refused.
    @Test func roomName_isBoundedInCharacters_andInBytes() {
        let heavy = "a" + String(repeating: "\u{301}", count: 30_000)
        #expect(heavy.count == 1 && heavy.utf8.count == 60_001)
        #expect(Validation.roomName(heavy)?.code == .validationFailed)
        let accented = String(repeating: "e\u{301}", count: 100)
        #expect(accented.count == 100 && accented.utf8.count == 300)
        #expect(Validation.roomName(accented) == nil)
        #expect(Validation.roomName(String(repeating: "\u{1F44D}\u{1F3FD}", count: 100))?.code == .validationFailed)
        #expect(Validation.roomName(String(repeating: "n", count: 100)) == nil)
        #expect(Validation.roomName("a\u{0}b")?.code == .validationFailed)
    }

    @Test(arguments: [#"{}"#, #"{"name":7}"#, "nope"])
    func malformedCreate_isBadRequest(body: String) async throws {
        try await GatewayHarness.withGateway { client in
            let owner = try await client.register()
            expectError(try await client.json("/v1/rooms", .post, token: owner.token, body: body), .badRequest, "bad_request")
        }
    }

    @Test(arguments: ["limit=-1", "limit=abc", "after_id=-5", "after_id=1.5", "limit=99999999999999999999"])
    func badListParameters_areBadRequest(query: String) async throws {
        try await GatewayHarness.withGateway { client in
            let owner = try await client.register()
            expectError(try await client.json("/v1/rooms?\(query)", .get, token: owner.token), .badRequest, "bad_request")
        }
    }

    @Test func delete_ownerOnly_thenTheRoomIsGone() async throws {
        try await GatewayHarness.withGateway { client in
            let owner = try await client.register()
            let other = try await client.register()
            let id = try #require(try await client.json("/v1/rooms", .post, token: owner.token, body: #"{"name":"x"}"#).json["room"]["id"].int)
            expectError(try await client.json("/v1/rooms/\(id)", .delete, token: other.token), .forbidden, "forbidden")
            #expect(try await client.json("/v1/rooms/\(id)", .delete, token: owner.token).status == .noContent)
            for path in ["", "/members", "/messages"] {
                expectError(try await client.json("/v1/rooms/\(id)\(path)", .get, token: owner.token), .notFound, "not_found")
            }
            expectError(try await client.json("/v1/rooms/\(id)", .delete, token: owner.token), .notFound, "not_found")
            let listed = try await client.json("/v1/rooms?after_id=\(id - 1)&limit=200", .get, token: owner.token)
            #expect(!listed.json["rooms"].array.contains { $0["id"].int == id })
            expectError(try await client.json("/v1/rooms/987654321", .get, token: owner.token), .notFound, "not_found")
            expectError(try await client.json("/v1/rooms/nope", .get, token: owner.token), .notFound, "not_found")
        }
    }

    @Test func members_listsWhoIsJoined_eachUserOnce() async throws {
        try await GatewayHarness.withGateway { client in
            let owner = try await client.register()
            let id = try #require(try await client.json("/v1/rooms", .post, token: owner.token, body: #"{"name":"m"}"#).json["room"]["id"].int)
            let empty = try await client.json("/v1/rooms/\(id)/members", .get, token: owner.token)
            #expect(empty.status == .ok)
            #expect(empty.json["members"].array.isEmpty)
            try await TestDatabase.setMember(room: id, user: owner.id, username: owner.username)
            let one = try await client.json("/v1/rooms/\(id)/members", .get, token: owner.token)
            #expect(one.json["members"].array.map { $0["user_id"].int } == [owner.id])
            #expect(one.json["members"][0]["username"].string == owner.username)
        }
    }

    @Test func history_pagination() async throws {
        try await GatewayHarness.withGateway { client in
            let owner = try await client.register()
            let id = try #require(try await client.json("/v1/rooms", .post, token: owner.token, body: #"{"name":"h"}"#).json["room"]["id"].int)
            #expect(try await client.json("/v1/rooms/\(id)/messages", .get, token: owner.token).json["messages"].array.isEmpty)
            try await TestDatabase.insertMessages(room: id, user: owner.id, username: owner.username, seqs: 1...250)

            func seqs(_ query: String) async throws -> [Int64] {
                let result = try await client.json("/v1/rooms/\(id)/messages\(query)", .get, token: owner.token)
                #expect(result.status == .ok, "\(query)")
                return result.json["messages"].array.compactMap { $0["seq"].int }
            }
            #expect(try await seqs("") == Array(201...250))
            #expect(try await seqs("?limit=3") == [248, 249, 250])
            #expect(try await seqs("?after_seq=10&limit=5") == [11, 12, 13, 14, 15])
            #expect(try await seqs("?before_seq=10") == Array(1...9))
            #expect(try await seqs("?before_seq=100&limit=3") == [97, 98, 99])
            #expect(try await seqs("?after_seq=5&before_seq=9") == [6, 7, 8])
            #expect(try await seqs("?after_seq=5&before_seq=100&limit=2") == [6, 7])
            #expect(try await seqs("?after_seq=0&limit=1000") == Array(1...200))
            #expect(try await seqs("?after_seq=250") == [])
            #expect(try await seqs("?limit=0") == [])

            let message = try await client.json("/v1/rooms/\(id)/messages?after_seq=0&limit=1", .get, token: owner.token).json["messages"][0]
            #expect(message.keys == ["room_id", "seq", "user_id", "username", "content", "client_msg_id", "sent_at"])
            #expect(message["room_id"].int == id)
            #expect(message["user_id"].int == owner.id)
            #expect(message["username"].string == owner.username)
            #expect(message["content"].string == "message 1")
            #expect(message["client_msg_id"].string == "c-1")
            #expect(try await client.json("/v1/rooms/\(id)", .get, token: owner.token).json["room"]["last_seq"].int == 250)

            for query in ["limit=-1", "after_seq=x", "before_seq=-2", "after_seq=1e3"] {
                expectError(try await client.json("/v1/rooms/\(id)/messages?\(query)", .get, token: owner.token), .badRequest, "bad_request")
            }
        }
    }
}
