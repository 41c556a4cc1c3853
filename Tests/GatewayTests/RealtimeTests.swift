import ChorusTestSupport
import Foundation
import NIOWebSocket
import Testing

/// The WebSocket contract on a real cluster: 2 gateways, 3 workers, real Redis and Postgres.
@Suite struct RealtimeTests {
    @Test func joinSendAndReceive_acrossGateways() async throws {
        let cluster = try await TestCluster()
        defer { Task { await cluster.stop() } }
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

        a.send(#"{"type":"send","room_id":\#(room),"content":"hello \"bob\"","client_msg_id":"m1"}"#)
        let ack = try await a.next(type: "ack")
        #expect(ack["seq"].int == 1)
        #expect(ack["client_msg_id"].string == "m1")
        for client in [a, b] {
            let message = try await client.next(type: "message")
            #expect(message["seq"].int == 1)
            #expect(message["content"].string == "hello \"bob\"")
            #expect(message["user_id"].int == alice.id)
            #expect(message["username"].string == alice.username)
            #expect(message["client_msg_id"].string == "m1")
            #expect(message["room_id"].int == room)
        }
        b.send(#"{"type":"ping"}"#)
        _ = try await b.next(type: "pong")
        await a.close()
        await b.close()
        await cluster.stop()
    }
}
