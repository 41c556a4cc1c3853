import ChorusTestSupport
import Foundation
import NIOCore
import Testing

/// A join with `since_seq` far behind replays history from Postgres, page by page, waiting between
/// pages while the client's outbound queue is over its high-water mark.
@Suite struct ReplayTests {
    /// A long resume by a client that starts reading late still gets every message, in order.
    /// (On this machine's loopback the kernel's buffers absorb what the replay writes here, so this
    /// does not show the wait itself; it guards that the paced replay stays complete.)
    @Test func aLongResume_byAClientThatReadsLate_deliversEverythingInOrder() async throws {
        try await InProcessCluster.run(environment: ["WS_OUTBOUND_BUFFER_BYTES": "65536"]) { cluster in
            let alice = try await cluster.register("alice")
            let room = try await cluster.createRoom(token: alice.token)
            let count: Int64 = 20_000
            try await TestDatabase.insertMessages(room: room, user: alice.id, username: alice.username, seqs: 1...count)
            let socket = try RawWebSocket(port: cluster.gatewayPort, path: "/v1/ws?token=\(alice.token)")
            #expect(socket.status == 101)
            socket.sendText(#"{"type":"join","room_id":\#(room),"since_seq":0}"#)
            try await Task.sleep(for: .seconds(2))
            var seqs: [Int64] = []
            let deadline = ContinuousClock.now + .seconds(60)
            while seqs.count < count, ContinuousClock.now < deadline {
                for text in socket.readTexts(for: .milliseconds(500)) {
                    let frame = JSON(ByteBuffer(string: text))
                    if frame["type"].string == "message", let seq = frame["seq"].int { seqs.append(seq) }
                }
            }
            #expect(seqs == Array(1...count))
        }
    }
}
