@testable import ClusterKit
import Foundation
import NIOCore
import Testing

@Suite struct SupportTests {
    @Test func backoff_growsToTheMaximum_andResets() {
        var backoff = Backoff(base: .milliseconds(100), maximum: .seconds(1))
        #expect(backoff.nextDelay(unit: 1) == .milliseconds(100))
        #expect(backoff.nextDelay(unit: 1) == .milliseconds(200))
        #expect(backoff.nextDelay(unit: 0.5) == .milliseconds(200))
        #expect(backoff.nextDelay(unit: 1) == .milliseconds(800))
        #expect(backoff.nextDelay(unit: 1) == .seconds(1))
        for _ in 0..<100 { #expect(backoff.nextDelay(unit: 1) == .seconds(1)) }
        backoff.reset()
        #expect(backoff.nextDelay(unit: 0) == .zero)
        #expect(backoff.nextDelay(unit: 1) == .milliseconds(200))
    }

    @Test func timestamps_areRFC3339UTCWithMilliseconds() {
        #expect(Timestamp.format(millisecondsSince1970: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(millisecondsSince1970: 1_795_255_200_123) == "2026-11-21T10:00:00.123Z")
        #expect(Timestamp.format(millisecondsSince1970: -1) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1.5)) == "1970-01-01T00:00:01.500Z")
    }

    @Test func respWriter_writesTheRequestFormat() {
        var buffer = ByteBuffer()
        RESPWriter.write(["SET", .string("ké"), .integer(-5), .bytes(ByteBuffer(bytes: [0, 1]))], into: &buffer)
        #expect(String(buffer: buffer) == "*4\r\n$3\r\nSET\r\n$3\r\nké\r\n$2\r\n-5\r\n$2\r\n\u{0}\u{1}\r\n")
    }

    @Test func replyParser_handlesEveryTypeAndSplitInput() throws {
        let wire = "+OK\r\n-ERR bad\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$0\r\n\r\n"
        let parser = RedisReplyParser()
        var replies: [RedisReply] = []
        for byte in wire.utf8 {
            try parser.feed(ByteBuffer(bytes: [byte]))
            while let reply = try parser.next() { replies.append(reply) }
        }
        #expect(replies == [
            .status("OK"), .error("ERR bad"), .integer(42), .bulk(ByteBuffer(string: "hello")), .null,
            .array([.bulk(ByteBuffer(string: "message")), .bulk(ByteBuffer(string: "c")), .bulk(ByteBuffer())]),
        ])
    }

    @Test func replyParser_rejectsGarbage() throws {
        let parser = RedisReplyParser()
        try? parser.feed(ByteBuffer(string: "?what\r\n"))
        #expect(throws: RedisError.self) { _ = try parser.next() }
    }

    @Test func withTimeout_returnsTheResult_orTimesOut_evenWhenTheOperationIgnoresCancellation() async throws {
        #expect(try await withTimeout(.seconds(5)) { 42 } == 42)
        await #expect(throws: TimeoutError.self) {
            try await withTimeout(.milliseconds(100)) {
                // Ignores cancellation, like a pool waiting for a connection did.
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 3) { continuation.resume() }
                }
            }
        }
        let started = ContinuousClock.now
        _ = try? await withTimeout(.milliseconds(100)) {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + 20) { continuation.resume() }
            }
        }
        // Far below the operation's 20 s, and generous for a machine busy with other test suites
        // (2.4 s seen once for a 100 ms timeout with every core taken).
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
