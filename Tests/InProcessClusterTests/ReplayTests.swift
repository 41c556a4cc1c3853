import ChorusTestSupport
import Foundation
import NIOCore
import Testing

/// A join with `since_seq` far behind replays history from Postgres, page by page: the next page is
/// read once the socket took the last one, pages are paid from the client's frame rate, and the
/// replay stops when the client goes.
@Suite struct ReplayTests {
    static let replayed = "chorus_gateway_replay_messages_total"

    /// Ten one-frame joins from sockets closed 50 ms later: on the old main Postgres returned every
    /// row up to `last_seq` for each (200,000 here); now each stops within a few pages.
    @Test func joinsFromSocketsThatClose_stopReadingHistory() async throws {
        try await InProcessCluster.run { cluster in
            let alice = try await cluster.register("alice")
            let room = try await cluster.createRoom(token: alice.token)
            try await TestDatabase.insertMessages(room: room, user: alice.id, username: alice.username, seqs: 1...20_000, padding: 200)
            for _ in 0..<10 {
                let socket = try await RawWebSocket.open(port: cluster.gatewayPort, path: "/v1/ws?token=\(alice.token)", receiveBuffer: 4096)
                #expect(socket.status == 101)
                socket.sendText(#"{"type":"join","room_id":\#(room),"since_seq":0}"#)
                try await Task.sleep(for: .milliseconds(50))
                socket.closeNow()
            }
            try await Task.sleep(for: .seconds(2))
            let rows = try await cluster.metric(Self.replayed) ?? .infinity
            #expect(rows < 20_000, "replayed \(rows) rows for 10 sockets that went after 50 ms")
        }
    }

    /// A client that does not read holds the replay: what was read from Postgres stays near what
    /// the socket buffers hold; once it reads, it gets everything in order.
    @Test func aClientThatDoesNotRead_holdsTheReplay_thenGetsEverything() async throws {
        try await InProcessCluster.run(environment: ["WS_OUTBOUND_BUFFER_BYTES": "65536"]) { cluster in
            let alice = try await cluster.register("alice")
            let room = try await cluster.createRoom(token: alice.token)
            let count: Int64 = 20_000
            try await TestDatabase.insertMessages(room: room, user: alice.id, username: alice.username, seqs: 1...count, padding: 1_000)
            let socket = try await RawWebSocket.open(port: cluster.gatewayPort, path: "/v1/ws?token=\(alice.token)", receiveBuffer: 4096)
            #expect(socket.status == 101)
            socket.sendText(#"{"type":"join","room_id":\#(room),"since_seq":0}"#)
            // ~21 MB of history; the kernel's buffers hold a few MB of it at most. Wait until the
            // replay stops reading (without back-pressure it reads all 20,000 rows).
            var held = -1.0
            for _ in 0..<40 {
                try await Task.sleep(for: .milliseconds(500))
                let now = try await cluster.metric(Self.replayed) ?? .infinity
                if now == held, now > 0 { break }
                held = now
            }
            #expect(held < 8_000, "read \(held) of \(count) rows for a client that read nothing")
            var seqs: [Int64] = []
            let deadline = ContinuousClock.now + .seconds(60)
            while seqs.count < count, ContinuousClock.now < deadline {
                for text in await socket.texts(for: .milliseconds(500)) {
                    let frame = JSON(ByteBuffer(string: text))
                    if frame["type"].string == "message", let seq = frame["seq"].int { seqs.append(seq) }
                }
            }
            #expect(seqs == Array(1...count))
        }
    }

    /// Replay pages are paid from the client's frame rate, and a client has a bounded number of
    /// joins in progress.
    @Test func replayPages_countAgainstTheClientsLimits() async throws {
        let settings = ["WS_RATE_PER_SEC": "2", "WS_RATE_BURST": "4", "WS_MAX_JOINS_IN_PROGRESS": "2"]
        try await InProcessCluster.run(environment: settings) { cluster in
            let alice = try await cluster.register("alice")
            let rooms = [try await cluster.createRoom(token: alice.token), try await cluster.createRoom(token: alice.token)]
            let third = try await cluster.createRoom(token: alice.token)
            for room in rooms {
                try await TestDatabase.insertMessages(room: room, user: alice.id, username: alice.username, seqs: 1...20_000)
            }
            let socket = try await RawWebSocket.open(port: cluster.gatewayPort, path: "/v1/ws?token=\(alice.token)")
            for room in rooms { socket.sendText(#"{"type":"join","room_id":\#(room),"since_seq":0}"#) }
            socket.sendText(#"{"type":"join","room_id":\#(third)}"#)
            var errors: [String] = []
            var messages = 0
            // 3 s from the first replayed message (a busy machine may take a while to start).
            var deadline = ContinuousClock.now + .seconds(20)
            var started = false
            while ContinuousClock.now < deadline {
                for text in await socket.texts(for: .milliseconds(500)) {
                    let frame = JSON(ByteBuffer(string: text))
                    if frame["type"].string == "error", let code = frame["code"].string { errors.append(code) }
                    if frame["type"].string == "message" { messages += 1 }
                }
                if !started, messages > 0 {
                    started = true
                    deadline = ContinuousClock.now + .seconds(3)
                }
            }
            #expect(errors == ["rate_limited"])  // the third join, while two replay
            // Each replay's first page is free; then pages come as tokens do: at most the burst (4)
            // saved up before the first message, plus 2 a second for the 3.5 s read: 2 + 4 + 7 = 13
            // pages of 256 rows at most. Unpaced, all 156 pages would come at once.
            let pages = Double(messages) / 256
            #expect(pages >= 1 && pages <= 14, "\(messages) messages in about 3 s at 2 pages/s")
        }
    }
}
