import ClusterKit
import NIOCore
import Testing

@testable import Gateway

@Suite struct ConnectionPartsTests {
    @Test func outboundQueue_deliversInOrder_inBatches() async {
        let queue = OutboundQueue(limit: 1_000)
        queue.enqueue(ByteBuffer(string: "a"))
        queue.enqueue(ByteBuffer(string: "b"))
        #expect(await queue.next() == .frames([ByteBuffer(string: "a"), ByteBuffer(string: "b")]))
        queue.enqueue(ByteBuffer(string: "c"))
        queue.close(code: 4001, reason: "revoked")
        queue.enqueue(ByteBuffer(string: "dropped"))
        #expect(await queue.next() == .frames([ByteBuffer(string: "c")]))
        #expect(await queue.next() == .close(code: 4001, reason: "revoked"))
    }

    @Test func outboundQueue_overflow_dropsEverythingAndAsksFor4008() async {
        let queue = OutboundQueue(limit: 10)
        queue.enqueue(ByteBuffer(string: "123456"))
        queue.enqueue(ByteBuffer(string: "789012"))
        #expect(queue.queuedBytes == 0)
        guard case .close(let code, _) = await queue.next() else {
            Issue.record("expected close")
            return
        }
        #expect(code == 4008)
    }

    @Test func outboundQueue_wakesAWaitingWriter() async {
        let queue = OutboundQueue(limit: 100)
        async let next = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        queue.enqueue(ByteBuffer(string: "late"))
        #expect(await next == .frames([ByteBuffer(string: "late")]))
    }

    @Test func tokenBucket_allowsABurst_thenTheRate() {
        var bucket = TokenBucket(rate: 2, burst: 3)
        let times: [Double] = [0, 0, 0, 0, 0.25, 0.5, 10, 10, 10, 10]
        var taken: [Bool] = []
        for time in times { taken.append(bucket.take(now: time)) }
        #expect(taken == [true, true, true, false, false, true, true, true, true, false])
    }

    @Test(arguments: [
        (#"{"type":"ping"}"#, ClientFrame.ping),
        (#"{"type":"join","room_id":3}"#, .join(roomID: 3, sinceSeq: nil)),
        (#"{"type":"join","room_id":3,"since_seq":0}"#, .join(roomID: 3, sinceSeq: 0)),
        (#"{"type":"leave","room_id":3}"#, .leave(roomID: 3)),
        (#"{"type":"typing","room_id":3}"#, .typing(roomID: 3)),
        (#"{"type":"send","room_id":3,"content":"hi"}"#, .send(roomID: 3, content: "hi", clientMessageID: nil)),
        (#"{"type":"send","room_id":3,"content":"hi","client_msg_id":"x","extra":1}"#, .send(roomID: 3, content: "hi", clientMessageID: "x")),
    ])
    func clientFrame_parsesTheContractFrames(text: String, expected: ClientFrame) throws {
        #expect(try ClientFrame.parse(text) == expected)
    }

    @Test(arguments: [
        ("nope", "bad_request", nil),
        (#"{"type":7}"#, "bad_request", nil),
        (#"{"type":"join","room_id":-1.5}"#, "bad_request", "join"),
        (#"{"type":"join","room_id":1,"since_seq":-1}"#, "bad_request", "join"),
        (#"{"type":"send","room_id":1,"content":"","client_msg_id":"id"}"#, "bad_request", "id"),
        (#"{"type":"send","room_id":1,"content":"\#(String(repeating: "a", count: 4097))"}"#, "too_large", "send"),
        (#"{"type":"send","room_id":1,"content":"x","client_msg_id":""}"#, "bad_request", ""),
    ] as [(String, String, String?)])
    func clientFrame_rejectsBadFrames(text: String, code: String, ref: String?) {
        do {
            _ = try ClientFrame.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == code)
            #expect(error.ref == ref)
        }
    }

    @Test func serverFrames_areValidJSON_withEscaping() throws {
        let message = ChatMessage(
            roomID: 1, seq: 2, userID: 3, username: "u", content: "quote \" backslash \\ newline \n tab \t bell \u{7} é",
            clientMessageID: nil, sentAt: 0
        )
        let frame = ServerFrame.message(message)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(frame.readableBytesView)) as? [String: Any])
        #expect(json["content"] as? String == message.content)
        #expect(json["client_msg_id"] is NSNull)
        #expect(json["sent_at"] as? String == "1970-01-01T00:00:00.000Z")
    }
}

import Foundation
