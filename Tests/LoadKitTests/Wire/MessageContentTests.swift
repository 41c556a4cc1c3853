import Testing

@testable import LoadKit

@Suite struct MessageContentTests {
    @Test func contentIsPaddedToThePayloadSize() {
        for size in [MessageContent.minimumSize, 100, 4096] {
            let bytes = MessageContent.bytes(sentNanos: UInt64.max, size: size)
            #expect(bytes.count == size)
            #expect(bytes.withUnsafeBytes { MessageContent.sentNanos(inContent: $0) } == UInt64.max)
        }
    }

    @Test func aSmallTimestampStillParses() {
        let bytes = MessageContent.bytes(sentNanos: 0, size: 30)
        #expect(String(decoding: bytes, as: UTF8.self) == "t=0;" + String(repeating: "x", count: 26))
        #expect(bytes.withUnsafeBytes { MessageContent.sentNanos(inContent: $0) } == 0)
    }

    @Test func otherContentHasNoTimestamp() {
        for text in ["", "t=", "t=;", "t=12", "x=12;", "t=1a;", "t=99999999999999999999999;"] {
            var text = text
            #expect(text.withUTF8 { MessageContent.sentNanos(inContent: UnsafeRawBufferPointer($0)) } == nil, "\(text)")
        }
    }

    @Test func clientMessageIDsFitTheContractsSixtyFourCharacters() {
        let id = MessageContent.clientMessageID(sender: Int.max, counter: UInt64.max, sentNanos: UInt64.max)
        #expect(id.count <= 64)
        #expect(MessageContent.sentNanos(inClientMessageID: id) == UInt64.max)
        #expect(MessageContent.sentNanos(inClientMessageID: "join") == nil)
        #expect(MessageContent.sentNanos(inClientMessageID: "send") == nil)
        #expect(MessageContent.sentNanos(inClientMessageID: "1.2.") == nil)
        #expect(MessageContent.parseClientMessageID("7.42.1000") == .init(sender: 7, counter: 42, sentNanos: 1000))
        #expect(MessageContent.parseClientMessageID("7.1000") == nil)
        #expect(MessageContent.parseClientMessageID("a.b.c") == nil)
    }

    @Test func aSendFrameIsTheContractsJSON() throws {
        let bytes = ClientRequest.send(roomID: 5, sentNanos: 77, contentSize: 30, clientMessageID: "1.1.77")
        let object = try #require(try JSONSerializationHelper.object(bytes))
        #expect(object["type"] as? String == "send")
        #expect(object["room_id"] as? Int == 5)
        #expect((object["content"] as? String)?.utf8.count == 30)
        #expect(object["client_msg_id"] as? String == "1.1.77")
        let join = try #require(try JSONSerializationHelper.object(ClientRequest.join(roomID: 5, sinceSeq: 9)))
        #expect(join["since_seq"] as? Int == 9)
    }
}
