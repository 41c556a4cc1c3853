import Testing

@testable import LoadKit

@Suite struct FrameScannerTests {
    @Test func aMessageFrameAsTheServerWritesIt() throws {
        let content = String(decoding: MessageContent.bytes(sentNanos: 123_456_789_012, size: 100), as: UTF8.self)
        let text = #"{"type":"message","room_id":42,"seq":1007,"user_id":1000000003,"username":"load1000000003","content":"\#(content)","client_msg_id":"3.17.123456789012","sent_at":"2026-11-22T10:00:00.123Z"}"#
        let frame = try #require(FrameScanner.scan(text))
        #expect(frame.kind == .message)
        #expect(frame.roomID == 42)
        #expect(frame.seq == 1007)
        #expect(frame.sentNanos == 123_456_789_012)
        #expect(frame.code == nil)
    }

    @Test func keyOrderAndWhitespaceDoNotMatter() throws {
        let text = "{ \"content\" : \"t=99;xx\",\n \"seq\": 5 , \"room_id\":7,\"type\" : \"message\" }"
        let frame = try #require(FrameScanner.scan(text))
        #expect(frame == ScannedFrame(kind: .message, roomID: 7, seq: 5, sentNanos: 99))
    }

    @Test func anAckCarriesTheSendTimeInItsClientMessageID() throws {
        let frame = try #require(FrameScanner.scan(#"{"type":"ack","room_id":3,"client_msg_id":"12.5.987654321","seq":88}"#))
        #expect(frame == ScannedFrame(kind: .ack, roomID: 3, seq: 88, sentNanos: 987_654_321, clientCounter: 5))
    }

    @Test func anAckWithoutOurClientMessageIDHasNoSendTime() throws {
        let frame = try #require(FrameScanner.scan(#"{"type":"ack","room_id":3,"client_msg_id":null,"seq":1}"#))
        #expect(frame.kind == .ack)
        #expect(frame.sentNanos == nil)
    }

    @Test func joinedGivesTheLastSeq() throws {
        let frame = try #require(FrameScanner.scan(#"{"type":"joined","room_id":9,"last_seq":120}"#))
        #expect(frame == ScannedFrame(kind: .joined, roomID: 9, lastSeq: 120))
    }

    @Test func anErrorGivesItsCodeAndRef() throws {
        let frame = try #require(FrameScanner.scan(#"{"type":"error","code":"rate_limited","message":"too many \"frames\"","ref":"4.2.100"}"#))
        #expect(frame.kind == .error)
        #expect(frame.code == "rate_limited")
        #expect(frame.ref == "4.2.100")
        #expect(MessageContent.sentNanos(inClientMessageID: frame.ref!) == 100)
    }

    @Test func otherTypesAreToldApart() throws {
        #expect(try #require(FrameScanner.scan(#"{"type":"presence","room_id":1,"event":"join","user_id":2,"username":"a"}"#)).kind == .presence)
        #expect(try #require(FrameScanner.scan(#"{"type":"typing","room_id":1,"user_id":2,"username":"a"}"#)).kind == .typing)
        #expect(try #require(FrameScanner.scan(#"{"type":"pong"}"#)).kind == .pong)
        #expect(try #require(FrameScanner.scan(#"{"type":"left","room_id":1}"#)).kind == .left)
        #expect(try #require(FrameScanner.scan(#"{"type":"room_closed","room_id":1}"#)).kind == .roomClosed)
        #expect(try #require(FrameScanner.scan(#"{"type":"something_new","x":true}"#)).kind == .other)
    }

    @Test func escapedQuotesInsideStringsDoNotEndThem() throws {
        let frame = try #require(FrameScanner.scan(#"{"type":"message","username":"a\"b\\","room_id":1,"seq":2,"content":"t=5;"}"#))
        #expect(frame.seq == 2)
        #expect(frame.sentNanos == 5)
    }

    @Test func contentWithoutATimestampHasNoSendTime() throws {
        let frame = try #require(FrameScanner.scan(#"{"type":"message","room_id":1,"seq":2,"content":"hello"}"#))
        #expect(frame.sentNanos == nil)
    }

    @Test func malformedOrNestedTextIsRefused() {
        #expect(FrameScanner.scan("") == nil)
        #expect(FrameScanner.scan("not json") == nil)
        #expect(FrameScanner.scan(#"{"type":"message","seq":}"#) == nil)
        #expect(FrameScanner.scan(#"{"type":"message","seq":1"#) == nil)
        #expect(FrameScanner.scan(#"{"type":"message","user":{"id":1}}"#) == nil)
        #expect(FrameScanner.scan(#"{"type":"message" "seq":1}"#) == nil)
    }

    @Test func badNumbersReadAsZero() throws {
        let frame = try #require(FrameScanner.scan(#"{"type":"message","room_id":12x,"seq":99999999999999999999999}"#))
        #expect(frame.roomID == 0)
        #expect(frame.seq == 0)
    }
}
