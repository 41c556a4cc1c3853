import ChorusTestSupport
import Foundation
import Hummingbird
import NIOWebSocket
import Testing

/// Every WebSocket error path of the contract, on a real cluster.
@Suite struct RealtimeErrorTests {
    @Test func badTokens_get401WithoutUpgrade() async throws {
        let cluster = try await TestCluster(gateways: 1, workers: 1)
        let user = try await cluster.register()
        let port = cluster.gateways[0].port
        for (path, headers) in [
            ("/v1/ws", [String: String]()),
            ("/v1/ws", ["Authorization": "Bearer nope"]),
            ("/v1/ws?token=nope", [:]),
            ("/v1/ws?token=", [:]),
        ] {
            let socket = try await RawWebSocket.open(port: port, path: path, headers: headers)
            #expect(socket.status == 401, "\(path) \(headers): \(socket.responseHead)")
        }
        // A revoked token is refused too.
        #expect(try await cluster.gateways[0].request("/v1/auth/logout", method: .post, headers: [.authorization: "Bearer \(user.token)"]).status == .noContent)
        #expect(try await RawWebSocket.open(port: port, path: "/v1/ws?token=\(user.token)").status == 401)
        let fresh = try await cluster.register()
        #expect(try await RawWebSocket.open(port: port, path: "/v1/ws?token=\(fresh.token)").status == 101)
        await cluster.stop()
    }

    @Test func badFrames_getErrors_andTheConnectionStaysUsable() async throws {
        let cluster = try await TestCluster(gateways: 1, workers: 1)
        let user = try await cluster.register()
        let room = try await cluster.createRoom(token: user.token)
        let client = try await cluster.connect(token: user.token)
        func expectError(_ frame: String, _ code: String, ref: String?) async throws {
            client.send(frame)
            let error = try await client.next(type: "error")
            #expect(error["code"].string == code, "\(frame) → \(error.value ?? "nil")")
            if let ref { #expect(error["ref"].string == ref, "\(frame)") }
            #expect(!(error["message"].string ?? "").isEmpty)
        }
        try await expectError("not json", "bad_request", ref: nil)
        try await expectError("[1,2]", "bad_request", ref: nil)
        try await expectError(#"{"type":"dance"}"#, "bad_request", ref: "dance")
        try await expectError(#"{"room_id":1}"#, "bad_request", ref: nil)
        try await expectError(#"{"type":"join"}"#, "bad_request", ref: "join")
        try await expectError(#"{"type":"join","room_id":"one"}"#, "bad_request", ref: "join")
        try await expectError(#"{"type":"send","room_id":\#(room),"content":"x","client_msg_id":"c1"}"#, "not_joined", ref: "c1")
        try await expectError(#"{"type":"typing","room_id":\#(room)}"#, "not_joined", ref: "typing")
        try await expectError(#"{"type":"leave","room_id":\#(room)}"#, "not_joined", ref: "leave")
        try await expectError(#"{"type":"join","room_id":987654321}"#, "room_not_found", ref: "join")

        client.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await client.next(type: "joined")
        try await expectError(#"{"type":"send","room_id":\#(room)}"#, "bad_request", ref: "send")
        try await expectError(#"{"type":"send","room_id":\#(room),"content":"","client_msg_id":"e"}"#, "bad_request", ref: "e")
        try await expectError(#"{"type":"send","room_id":\#(room),"content":5}"#, "bad_request", ref: "send")
        let long = String(repeating: "é", count: 2049)  // 4098 bytes
        try await expectError(#"{"type":"send","room_id":\#(room),"content":"\#(long)","client_msg_id":"big"}"#, "too_large", ref: "big")
        let id65 = String(repeating: "i", count: 65)
        try await expectError(#"{"type":"send","room_id":\#(room),"content":"x","client_msg_id":"\#(id65)"}"#, "bad_request", ref: id65)
        try await expectError(#"{"type":"send","room_id":\#(room),"content":"a\u0000b"}"#, "bad_request", ref: "send")
        try await expectError(#"{"type":"join","room_id":\#(room)}"#, "bad_request", ref: "join")
        // Exactly 4096 bytes is fine, and nothing refused was stored.
        let max = String(repeating: "é", count: 2048)
        client.send(#"{"type":"send","room_id":\#(room),"content":"\#(max)","client_msg_id":"max"}"#)
        #expect(try await client.next(type: "ack")["seq"].int == 1)
        client.send(#"{"type":"ping"}"#)
        _ = try await client.next(type: "pong")
        #expect(try await cluster.history(room: room, token: user.token).map(\.clientMessageID) == ["max"])

        // Deleting the room: joined members get room_closed; sending then is room_not_found.
        let deleted = try await cluster.gateways[0].request("/v1/rooms/\(room)", method: .delete, headers: [.authorization: "Bearer \(user.token)"])
        #expect(deleted.status == .noContent)
        #expect(try await client.next(type: "room_closed")["room_id"].int == room)
        try await expectError(#"{"type":"send","room_id":\#(room),"content":"late","client_msg_id":"late"}"#, "room_not_found", ref: "late")
        try await expectError(#"{"type":"join","room_id":\#(room)}"#, "room_not_found", ref: "join")
        await client.close()
        await cluster.stop()
    }

    @Test func frameOver64KiB_closesWith1009() async throws {
        let cluster = try await TestCluster(gateways: 1, workers: 1)
        let user = try await cluster.register()
        let socket = try await RawWebSocket.open(port: cluster.gateways[0].port, path: "/v1/ws?token=\(user.token)")
        #expect(socket.status == 101)
        socket.sendText(#"{"type":"ping","pad":"\#(String(repeating: "x", count: 70_000))"}"#)
        #expect(await socket.untilClosed() == 1009)
        // The gateway is fine.
        #expect(try await cluster.gateways[0].request("/healthz").status == .ok)
        await cluster.stop()
    }

    @Test func tooManyFrames_areRateLimited_notStored() async throws {
        let cluster = try await TestCluster(gateways: 1, workers: 1, environment: ["WS_RATE_PER_SEC": "2", "WS_RATE_BURST": "5"])
        let user = try await cluster.register()
        let room = try await cluster.createRoom(token: user.token)
        let client = try await cluster.connect(token: user.token)
        client.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await client.next(type: "joined")
        for index in 0..<20 { client.send(#"{"type":"send","room_id":\#(room),"content":"m","client_msg_id":"r\#(index)"}"#) }
        let limited = try await client.next(type: "error")
        #expect(limited["code"].string == "rate_limited")
        #expect(await eventually { client.frames.filter { $0["type"].string == "ack" || $0["type"].string == "error" }.count == 20 })
        let acked = Set(client.frames.filter { $0["type"].string == "ack" }.compactMap { $0["client_msg_id"].string })
        #expect(acked.count <= 6)
        let stored = try await cluster.history(room: room, token: user.token).compactMap(\.clientMessageID)
        #expect(Set(stored) == acked)
        await client.close()
        await cluster.stop()
    }

    @Test func logoutAndAccountDeletion_closeSocketsOnEveryGatewayWith4001() async throws {
        let cluster = try await TestCluster(workers: 1)
        let user = try await cluster.register()
        let login = try await cluster.gateways[1].request(
            "/v1/auth/login", method: .post, body: #"{"username":"\#(user.username)","password":"password-1"}"#
        )
        let second = try #require(JSON(login.body!)["token"].string)
        let onFirst = try await cluster.connect(token: user.token, through: 0)
        let onSecond = try await cluster.connect(token: user.token, through: 1)
        let otherSession = try await cluster.connect(token: second, through: 1)
        #expect(try await cluster.gateways[0].request("/v1/auth/logout", method: .post, headers: [.authorization: "Bearer \(user.token)"]).status == .noContent)
        #expect(await onFirst.closedCode() == .unknown(4001))
        #expect(await onSecond.closedCode() == .unknown(4001))
        otherSession.send(#"{"type":"ping"}"#)
        _ = try await otherSession.next(type: "pong")

        #expect(try await cluster.gateways[0].request("/v1/users/me", method: .delete, headers: [.authorization: "Bearer \(second)"]).status == .noContent)
        #expect(await otherSession.closedCode() == .unknown(4001))
        await cluster.stop()
    }

    @Test func clientThatDoesNotRead_isClosedWith4008() async throws {
        let cluster = try await TestCluster(
            gateways: 1, workers: 1,
            environment: ["WS_OUTBOUND_BUFFER_BYTES": "65536", "WS_RATE_PER_SEC": "100000", "WS_RATE_BURST": "100000"]
        )
        let sender = try await cluster.register()
        let sleeper = try await cluster.register()
        let room = try await cluster.createRoom(token: sender.token)
        let slow = try await RawWebSocket.open(port: cluster.gateways[0].port, path: "/v1/ws?token=\(sleeper.token)", receiveBuffer: 4096)
        #expect(slow.status == 101)
        slow.sendText(#"{"type":"join","room_id":\#(room)}"#)
        let client = try await cluster.connect(token: sender.token)
        client.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await client.next(type: "joined")
        try await Task.sleep(for: .milliseconds(300))  // the slow client's join completes
        let content = String(repeating: "x", count: 3_000)
        var acked = 0
        // Small bursts, so that the reading client's own (equally small) buffer never overflows.
        for batch in 0..<200 {
            for index in 0..<10 { client.send(#"{"type":"send","room_id":\#(room),"content":"\#(content)","client_msg_id":"f\#(batch)-\#(index)"}"#) }
            while acked < (batch + 1) * 10 {
                _ = try await client.next(type: "ack", timeout: .seconds(30))
                acked += 1
            }
        }
        #expect(await slow.untilClosed() == 4008)
        // The reading client is unaffected.
        client.send(#"{"type":"ping"}"#)
        _ = try await client.next(type: "pong")
        await client.close()
        await cluster.stop()
    }

    @Test func reconnectStorm_isAdmittedAtABoundedRate_andTheGatewayStaysResponsive() async throws {
        // One user opens all 40: its own socket cap (32 by default) must not be what refuses them
        // when a loaded machine makes the connects slow enough for the rate to admit 32.
        let cluster = try await TestCluster(
            gateways: 1, workers: 1, environment: ["WS_ACCEPT_PER_SEC": "10", "WS_ACCEPT_BURST": "10", "WS_MAX_CONNECTIONS_PER_USER": "100"]
        )
        let user = try await cluster.register()
        let port = cluster.gateways[0].port
        var sockets: [RawWebSocket] = []
        let start = ContinuousClock.now
        for _ in 0..<40 { sockets.append(try await RawWebSocket.open(port: port, path: "/v1/ws?token=\(user.token)")) }
        let elapsed = ContinuousClock.now - start
        let admitted = sockets.filter { $0.status == 101 }.count
        let refused = sockets.filter { $0.status == 503 }
        print("storm: \(admitted) admitted, \(refused.count) told to retry (503) of 40 in \(elapsed)")
        #expect(admitted + refused.count == 40)
        // The burst (10) plus what the rate (10/s) refilled while the connects went on, at most.
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        #expect(admitted >= 10 && Double(admitted) <= 10 + 10 * seconds + 1, "admitted \(admitted) in \(elapsed)")
        #expect(!refused.isEmpty || seconds > 3)
        #expect(refused.allSatisfy { $0.responseHead.lowercased().contains("retry-after: 1") })
        #expect(try await cluster.gateways[0].request("/healthz").status == .ok)
        try await Task.sleep(for: .seconds(1))
        #expect(try await RawWebSocket.open(port: port, path: "/v1/ws?token=\(user.token)").status == 101)
        await cluster.stop()
    }
}
