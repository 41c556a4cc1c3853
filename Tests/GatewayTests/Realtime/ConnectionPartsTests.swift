import ClusterKit
import NIOCore
import Testing

@testable import Gateway

@Suite struct ConnectionPartsTests {
    @Test(arguments: [(0, [0x81, 0]), (125, [0x81, 125]), (126, [0x81, 126, 0, 126]), (65_535, [0x81, 126, 0xFF, 0xFF]), (65_536, [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0])])
    func webSocketText_framesWithTheShortestLength(length: Int, header: [UInt8]) {
        let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: length)
        var frame = ServerFrames.text(payload, allocator: ByteBufferAllocator())
        #expect(frame.readBytes(length: header.count) == header)
        #expect(frame == payload)
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
        (#"{"type":"sned","room_id":1,"content":"x"}"#, "bad_request", "sned"),
        (#"{"type":"Send","room_id":1,"content":"x","client_msg_id":"id"}"#, "bad_request", "id"),
        (#"{"type":"","room_id":1,"content":"x"}"#, "bad_request", ""),
        (#"{"room_id":1,"content":"x"}"#, "bad_request", nil),
        (#"{"type":"typing"}"#, "bad_request", "typing"),
        (#"{"type":"send","room_id":1,"content":"x","client_msg_id":"\#(String(repeating: "k", count: 65))"}"#, "bad_request", String(repeating: "k", count: 65)),
        (#"{"type":"send","room_id":1,"content":"x","client_msg_id":"a\u0000b"}"#, "bad_request", "a\u{0}b"),
    ] as [(String, String, String?)])
    func clientFrame_rejectsBadFrames(text: String, code: String, ref: String?) {
        do {
            _ = try ClientFrame.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code.rawValue == code)
            #expect(error.ref == ref)
        }
    }

    /// One Character of 2,801 UTF-8 bytes: counted in characters it once passed the gateway and
    /// poisoned the worker's batch. The bound is 64 bytes.
    @Test func clientMessageID_isBoundedInBytes_notCharacters() throws {
        let id = "a" + String(repeating: "\u{301}", count: 1_400)
        #expect(id.count == 1)
        do {
            _ = try ClientFrame.parse(#"{"type":"send","room_id":1,"content":"x","client_msg_id":"\#(id)"}"#)
            Issue.record("accepted a \(id.utf8.count)-byte client_msg_id")
        } catch {
            #expect(error == ClientFrame.Rejection(code: .badRequest, message: "'client_msg_id' must be 1-64 bytes", ref: id))
        }
        let longest = String(repeating: "é", count: 32)
        #expect(longest.utf8.count == 64)
        let frame = try ClientFrame.parse(#"{"type":"send","room_id":1,"content":"x","client_msg_id":"\#(longest)"}"#)
        #expect(frame == .send(roomID: 1, content: "x", clientMessageID: longest))
    }

    /// The contract's five client frame types, no more and no fewer.
    @Test func clientFrameTypes_areExactlyTheContracts() {
        #expect(ClientFrameType.allCases.map(\.rawValue).sorted() == ["join", "leave", "ping", "send", "typing"])
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

@Suite struct TokenTimeTests {
    @Test(arguments: [
        (1_700_000_000.9, Int64(1_700_000_000)), (1e20, Int64.max), (-1e20, Int64.min), (Double.infinity, Int64.max), (Double.nan, Int64(0)),
    ])
    func tokenTimes_neverTrap(seconds: Double, expected: Int64) {
        #expect(TokenService.unixSeconds(seconds) == expected)
    }

    @Test func anExpiryFarAway_isADeadlineTenYearsOut_atMost() {
        let now = NIODeadline.uptimeNanoseconds(0)
        let deadline = WebSocketAcceptor.deadline(ofUnixSeconds: .max, now: now, wallClock: 1_700_000_000)
        #expect(deadline == now + .seconds(10 * 365 * 86_400))
        #expect(WebSocketAcceptor.deadline(ofUnixSeconds: .min, now: now, wallClock: 1_700_000_000) == now)
    }
}
