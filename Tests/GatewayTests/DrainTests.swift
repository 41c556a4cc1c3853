import ChorusTestSupport
import ClusterKit
import Foundation
import NIOWebSocket
import Testing

/// Planned shutdowns (SIGTERM) under traffic.
@Suite struct DrainTests {
    @Test func gatewaySigterm_closesSocketsWith1001_andClientsResumeElsewhere() async throws {
        let cluster = try await TestCluster(gateways: 2, workers: 1)
        let reader = try await cluster.register()
        let writer = try await cluster.register()
        let room = try await cluster.createRoom(token: writer.token)
        let r = try await cluster.connect(token: reader.token, through: 0)
        let w = try await cluster.connect(token: writer.token, through: 1)
        for client in [r, w] {
            client.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await client.next(type: "joined")
        }
        w.send(#"{"type":"send","room_id":\#(room),"content":"before","client_msg_id":"b"}"#)
        _ = try await r.next(type: "message")

        cluster.gateways[0].process.signal(SIGTERM)
        #expect(await r.closedCode() == .goingAway)
        #expect(await cluster.gateways[0].process.waitForExit(timeout: .seconds(20)) == 0)

        w.send(#"{"type":"send","room_id":\#(room),"content":"while away","client_msg_id":"a"}"#)
        _ = try await w.any("ack a") { $0["type"].string == "ack" && $0["client_msg_id"].string == "a" }
        let resumed = try await cluster.connect(token: reader.token, through: 1)
        resumed.send(#"{"type":"join","room_id":\#(room),"since_seq":1}"#)
        #expect(try await resumed.next(type: "joined")["last_seq"].int == 2)
        #expect(try await resumed.next(type: "message")["content"].string == "while away")
        await resumed.close()
        await w.close()
        await cluster.stop()
    }

    @Test func workerSigterm_handsItsRoomsOver_withoutLossAndWithoutWaitingForTheLease() async throws {
        let cluster = try await TestCluster(gateways: 1, workers: 3)
        let writer = try await cluster.register()
        let room = try await cluster.createRoom(token: writer.token)
        let owner = try cluster.owner(of: room)
        let w = try await cluster.connect(token: writer.token)
        w.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await w.next(type: "joined")
        var acked: [String: Int64] = [:]
        for index in 0..<10 { acked["d\(index)"] = try await WorkerFailoverTests.sendUntilAcked(w, room: room, id: "d\(index)") }
        for index in 10..<15 { w.send(#"{"type":"send","room_id":\#(room),"content":"msg d\#(index)","client_msg_id":"d\#(index)"}"#) }
        owner.process.signal(SIGTERM)
        let sent = try await sendThroughFault(w, room: room, prefix: "d", indexes: 10..<40, firstNew: 15, start: .now)
        acked.merge(sent.acked) { $1 }
        let handover = try #require(sent.writableAfter)
        print("drain: room writable again \(handover) after SIGTERM of its owner")
        #expect(handover < .seconds(3), "a drained room should not wait for the lease: \(handover)")
        #expect(await owner.process.waitForExit(timeout: .seconds(20)) == 0)
        let history = try await cluster.expectIntactHistory(room: room, token: writer.token, acked: acked)
        #expect(Set(history.compactMap(\.clientMessageID)) == Set(acked.keys))
        #expect(history.count == acked.count)
        await w.close()
        await cluster.stop()
    }

    @Test func killedGateway_itsMembersLeaveTheirRooms() async throws {
        let cluster = try await TestCluster(gateways: 2, workers: 1)
        let alice = try await cluster.register("alice")
        let bob = try await cluster.register("bob")
        let room = try await cluster.createRoom(token: alice.token)
        let a = try await cluster.connect(token: alice.token, through: 0)
        let b = try await cluster.connect(token: bob.token, through: 1)
        for client in [a, b] {
            client.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await client.next(type: "joined")
        }
        _ = try await a.next(type: "presence")
        cluster.gateways[1].process.signal(SIGKILL)
        let killedAt = ContinuousClock.now
        let left = try await a.next(type: "presence", timeout: .seconds(20))
        print("gateway kill: presence leave after \(ContinuousClock.now - killedAt)")
        #expect(left["event"].string == "leave")
        #expect(left["user_id"].int == bob.id)
        let body = try await cluster.gateways[0].request("/v1/rooms/\(room)/members", headers: [.authorization: "Bearer \(alice.token)"]).body
        #expect(JSON(body ?? .init())["members"].array.compactMap { $0["user_id"].int } == [alice.id])
        await a.close()
        await cluster.stop()
    }
}
