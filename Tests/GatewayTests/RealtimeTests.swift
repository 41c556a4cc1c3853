import ChorusTestSupport
import Foundation
import Hummingbird
import NIOWebSocket
import Testing

/// The WebSocket contract on a real cluster: 2 gateways, 3 workers, real Redis and Postgres.
@Suite struct RealtimeTests {
    /// Contract v1.1: the owner renames a room or sets its topic (PATCH); every joined connection,
    /// on every gateway, gets `room_updated`; anyone else who can see the room gets 403, before
    /// any check of the body.
    @Test func roomUpdated_reachesEveryJoinedConnection_onEveryGateway() async throws {
        let cluster = try await TestCluster(workers: 2)
        let alice = try await cluster.register("alice")
        let bob = try await cluster.register("bob")
        let room = try await cluster.createRoom(token: alice.token)
        var clients: [ChatClient] = []
        for (user, gateway) in [(alice, 0), (bob, 1)] {
            let client = try await cluster.connect(token: user.token, through: gateway)
            client.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await client.next(type: "joined")
            clients.append(client)
        }
        func patch(_ token: String, _ body: String, room: Int64 = room) async throws -> (status: Int, json: JSON) {
            let response = try await cluster.gateways[1].request(
                "/v1/rooms/\(room)", method: .patch, headers: [.authorization: "Bearer \(token)"], body: body
            )
            return (Int(response.status.code), JSON(response.body ?? .init()))
        }
        #expect(try await patch(bob.token, #"{"name":"mine"}"#).status == 403)
        #expect(try await patch(bob.token, #"{"visibility":"private"}"#).status == 403)  // 403 before 400
        #expect(try await patch(alice.token, #"{"name":"x"}"#, room: 999_999_999).status == 404)
        for body in [#"{}"#, #"{"visibility":"private"}"#, #"{"name":""}"#, #"{"topic":"\#(String(repeating: "x", count: 501))"}"#] {
            let refused = try await patch(alice.token, body)
            #expect(refused.status == 400 && refused.json["error"]["code"].string == "validation_failed", "\(body)")
        }
        let renamed = try await patch(alice.token, #"{"name":"renamed","topic":"what we talk about"}"#)
        #expect(renamed.status == 200)
        #expect(renamed.json["room"]["name"].string == "renamed" && renamed.json["room"]["topic"].string == "what we talk about")
        for client in clients {
            let updated = try await client.next(type: "room_updated")
            #expect(updated["room"]["id"].int == room)
            #expect(updated["room"]["name"].string == "renamed")
            #expect(updated["room"]["topic"].string == "what we talk about")
            #expect(updated["room"]["visibility"].string == "public")
        }
        // A topic alone keeps the name.
        #expect(try await patch(alice.token, #"{"topic":""}"#).json["room"]["name"].string == "renamed")
        for client in clients { await client.close() }
        await cluster.stop()
    }

    @Test func joinSendPresenceTypingAndLeave_acrossGateways() async throws {
        let cluster = try await TestCluster()
        let alice = try await cluster.register("alice")
        let bob = try await cluster.register("bob")
        let room = try await cluster.createRoom(token: alice.token)

        let a = try await cluster.connect(token: alice.token, through: 0)
        let b = try await cluster.connect(token: bob.token, through: 1, tokenInQuery: true)
        a.send(#"{"type":"join","room_id":\#(room)}"#)
        let joined = try await a.next(type: "joined")
        #expect(joined["room_id"].int == room)
        #expect(joined["last_seq"].int == 0)
        b.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await b.next(type: "joined")
        let presence = try await a.next(type: "presence")
        #expect(presence["event"].string == "join")
        #expect(presence["user_id"].int == bob.id)
        #expect(presence["username"].string == bob.username)

        // Members, asked through either gateway, each user once.
        let second = try await cluster.connect(token: bob.token, through: 0)
        second.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await second.next(type: "joined")
        for gateway in cluster.gateways {
            let members = JSON(try await gateway.request("/v1/rooms/\(room)/members", headers: [.authorization: "Bearer \(alice.token)"]).body!)
            #expect(Set(members["members"].array.compactMap { $0["user_id"].int }) == [alice.id, bob.id])
            #expect(members["members"].array.count == 2)
        }

        a.send(#"{"type":"send","room_id":\#(room),"content":"hello \"bob\" ✓","client_msg_id":"m1"}"#)
        let ack = try await a.any("ack") { $0["type"].string == "ack" }
        #expect(ack["seq"].int == 1)
        #expect(ack["client_msg_id"].string == "m1")
        #expect(ack["room_id"].int == room)
        for client in [a, b, second] {
            let message = try await client.any("message 1") { $0["type"].string == "message" && $0["seq"].int == 1 }
            #expect(message.keys == ["type", "room_id", "seq", "user_id", "username", "content", "client_msg_id", "sent_at"])
            #expect(message["seq"].int == 1)
            #expect(message["content"].string == "hello \"bob\" ✓")
            #expect(message["user_id"].int == alice.id)
            #expect(message["username"].string == alice.username)
            #expect(message["client_msg_id"].string == "m1")
        }

        // Typing reaches the others, not the typist.
        b.send(#"{"type":"typing","room_id":\#(room)}"#)
        let typing = try await a.next(type: "typing")
        #expect(typing["user_id"].int == bob.id)
        b.send(#"{"type":"ping"}"#)
        _ = try await b.next(type: "pong")
        #expect(!b.frames.contains { $0["type"].string == "typing" })

        // Bob's first connection leaves: still present through the second; then it drops.
        b.send(#"{"type":"leave","room_id":\#(room)}"#)
        #expect(try await b.next(type: "left")["room_id"].int == room)
        a.send(#"{"type":"ping"}"#)
        _ = try await a.next(type: "pong")
        #expect(!a.frames.contains { $0["type"].string == "presence" && $0["event"].string == "leave" })
        await second.close()
        let left = try await a.next(type: "presence")
        #expect(left["event"].string == "leave")
        #expect(left["user_id"].int == bob.id)
        #expect(await eventually {
            let body = try? await cluster.gateways[1].request("/v1/rooms/\(room)/members", headers: [.authorization: "Bearer \(alice.token)"]).body
            return JSON(body ?? .init())["members"].array.compactMap { $0["user_id"].int } == [alice.id]
        })
        await a.close()
        await b.close()
        await cluster.stop()
    }

    @Test func concurrentSendersOnBothGateways_everyMemberSeesOneContiguousStream() async throws {
        let cluster = try await TestCluster()
        let owner = try await cluster.register()
        let room = try await cluster.createRoom(token: owner.token)
        var clients: [ChatClient] = []
        for index in 0..<4 {
            let user = try await cluster.register()
            let client = try await cluster.connect(token: user.token, through: index % 2)
            client.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await client.next(type: "joined")
            clients.append(client)
        }
        let perClient = 40
        for round in 0..<perClient {
            for (index, client) in clients.enumerated() {
                client.send(#"{"type":"send","room_id":\#(room),"content":"c\#(index) m\#(round)","client_msg_id":"c\#(index)-\#(round)"}"#)
            }
        }
        let total = perClient * clients.count
        var ackedSeqs: [Int64] = []
        for client in clients {
            var seqs: [Int64] = []
            while seqs.count < total {
                seqs.append(try #require(try await client.next(type: "message")["seq"].int))
            }
            #expect(seqs == Array(1...Int64(total)), "a member saw \(seqs.prefix(20))...")
            #expect(await eventually { client.frames.filter { $0["type"].string == "ack" }.count == perClient })
            ackedSeqs += client.frames.filter { $0["type"].string == "ack" }.compactMap { $0["seq"].int }
        }
        #expect(Set(ackedSeqs).count == total)
        let history = try await cluster.history(room: room, token: owner.token)
        #expect(history.map(\.seq) == Array(1...Int64(total)))
        // Each sender's messages are in the order it sent them.
        for index in 0..<clients.count {
            let mine = history.filter { $0.content.hasPrefix("c\(index) ") }.map(\.content)
            #expect(mine == (0..<perClient).map { "c\(index) m\($0)" })
        }
        for client in clients { await client.close() }
        await cluster.stop()
    }

    @Test func resendWithTheSameClientMessageID_givesTheSameSeq_alsoThroughTheOtherGateway() async throws {
        let cluster = try await TestCluster()
        let user = try await cluster.register()
        let observer = try await cluster.register()
        let room = try await cluster.createRoom(token: user.token)
        let watch = try await cluster.connect(token: observer.token, through: 1)
        watch.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await watch.next(type: "joined")
        let first = try await cluster.connect(token: user.token, through: 0)
        first.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await first.next(type: "joined")
        first.send(#"{"type":"send","room_id":\#(room),"content":"once","client_msg_id":"same"}"#)
        first.send(#"{"type":"send","room_id":\#(room),"content":"once","client_msg_id":"same"}"#)
        let seq = try await first.next(type: "ack")["seq"].int
        #expect(try await first.next(type: "ack")["seq"].int == seq)
        await first.close()

        let other = try await cluster.connect(token: user.token, through: 1)
        other.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await other.next(type: "joined")
        other.send(#"{"type":"send","room_id":\#(room),"content":"once","client_msg_id":"same"}"#)
        #expect(try await other.next(type: "ack")["seq"].int == seq)
        other.send(#"{"type":"send","room_id":\#(room),"content":"next","client_msg_id":"other"}"#)
        #expect(try await other.next(type: "ack")["seq"].int == seq.map { $0 + 1 })

        _ = try await watch.next("message 'next'") { $0["content"].string == "next" }
        #expect(watch.frames.filter { $0["type"].string == "message" }.map { $0["seq"].int } == [1, 2])
        #expect(try await cluster.history(room: room, token: user.token).map(\.content) == ["once", "next"])
        await other.close()
        await watch.close()
        await cluster.stop()
    }

    @Test(arguments: ["1000", "3"])
    func resumeWithSinceSeq_deliversEveryMissedMessageThenLive_noDuplicates(tailSize: String) async throws {
        let cluster = try await TestCluster(environment: ["ROOM_TAIL_SIZE": tailSize])
        let writer = try await cluster.register()
        let reader = try await cluster.register()
        let room = try await cluster.createRoom(token: writer.token)
        let w = try await cluster.connect(token: writer.token, through: 0)
        w.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await w.next(type: "joined")
        func send(_ range: ClosedRange<Int>) async throws {
            for index in range { w.send(#"{"type":"send","room_id":\#(room),"content":"m\#(index)","client_msg_id":"k\#(index)"}"#) }
            for _ in range { _ = try await w.next(type: "ack") }
        }
        try await send(1...5)
        let r1 = try await cluster.connect(token: reader.token, through: 1)
        r1.send(#"{"type":"join","room_id":\#(room),"since_seq":2}"#)
        #expect(try await r1.next(type: "joined")["last_seq"].int == 5)
        #expect(try await [r1.next(type: "message"), r1.next(type: "message"), r1.next(type: "message")].map { $0["seq"].int } == [3, 4, 5])
        await r1.close()

        try await send(6...12)  // missed while away
        let r2 = try await cluster.connect(token: reader.token, through: 0)
        r2.send(#"{"type":"join","room_id":\#(room),"since_seq":5}"#)
        #expect(try await r2.next(type: "joined")["last_seq"].int == 12)
        try await send(13...15)  // live
        var seqs: [Int64] = []
        while seqs.count < 10 { seqs.append(try #require(try await r2.next(type: "message")["seq"].int)) }
        #expect(seqs == Array(6...15))
        r2.send(#"{"type":"ping"}"#)
        _ = try await r2.next(type: "pong")
        #expect(r2.frames.filter { $0["type"].string == "message" }.count == 10)
        await r2.close()
        await w.close()
        await cluster.stop()
    }
}

extension TestCluster {
    struct StoredMessage: Sendable {
        let seq: Int64
        let content: String
        let clientMessageID: String?
    }

    /// The whole history of a room, via REST.
    func history(room: Int64, token: String) async throws -> [StoredMessage] {
        var all: [StoredMessage] = []
        var after: Int64 = 0
        while true {
            let body = try await gateways[liveGateway].request(
                "/v1/rooms/\(room)/messages?after_seq=\(after)&limit=200", headers: [.authorization: "Bearer \(token)"]
            ).body
            let page = JSON(body ?? .init())["messages"].array.map {
                StoredMessage(seq: $0["seq"].int ?? -1, content: $0["content"].string ?? "", clientMessageID: $0["client_msg_id"].string)
            }
            all += page
            guard page.count == 200, let last = page.last else { return all }
            after = last.seq
        }
    }
}
