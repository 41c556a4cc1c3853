@testable import ClusterKit
import NIOCore
import Testing

@Suite struct RoomWireTests {
    @Test(arguments: [
        ClusterMessage.request(RoomRequest(requestID: 1, gatewayID: "g-1", roomID: 2, userID: 3, username: "ü", kind: .join(sinceSeq: nil))),
        .request(RoomRequest(requestID: .max, gatewayID: "", roomID: 2, userID: 3, username: "u", kind: .join(sinceSeq: 9))),
        .request(RoomRequest(requestID: 5, gatewayID: "g", roomID: 2, userID: 3, username: "u", kind: .send(content: "hi", clientMessageID: "c"))),
        .request(RoomRequest(requestID: 5, gatewayID: "g", roomID: 2, userID: 3, username: "u", kind: .send(content: "", clientMessageID: nil))),
        .request(RoomRequest(requestID: 5, gatewayID: "g", roomID: 2, userID: 3, username: "u", kind: .leave)),
        .request(RoomRequest(requestID: 5, gatewayID: "g", roomID: 2, userID: 3, username: "u", kind: .typing)),
        .request(RoomRequest(requestID: 5, gatewayID: "g", roomID: 2, userID: 3, username: "u", kind: .close)),
        .reply(RoomReply(requestID: 7, result: .joined(lastSeq: 4, replay: nil))),
        .reply(RoomReply(requestID: 7, result: .joined(lastSeq: 4, replay: [ByteBuffer(string: "a"), ByteBuffer()]))),
        .reply(RoomReply(requestID: 7, result: .acked(seq: 99))),
        .reply(RoomReply(requestID: 7, result: .done)),
        .reply(RoomReply(requestID: 7, result: .failed(code: .unavailable, message: "retry"))),
        .event(roomID: 5, .message(seq: 3, frame: ByteBuffer(string: "{}"))),
        .event(roomID: 5, .presence(userID: 1, frame: ByteBuffer(string: "p"))),
        .event(roomID: 5, .typing(userID: 1, frame: ByteBuffer(string: "t"))),
        .event(roomID: 5, .closed(frame: ByteBuffer(string: "c"))),
        .event(roomID: 5, .updated(frame: ByteBuffer(string: #"{"type":"room_updated"}"#))),
        .event(roomID: 5, .removed(userID: 8, frame: ByteBuffer(string: #"{"type":"removed"}"#))),
        .event(roomID: 5, .updatedPrivate(RoleFrames(
            member: ByteBuffer(string: "m"), admin: ByteBuffer(string: "a"), owner: ByteBuffer(string: "o"), ownerID: 1, adminIDs: [2, 3]
        ))),
        .event(roomID: 5, .updatedPrivate(RoleFrames(
            member: ByteBuffer(string: "m"), admin: ByteBuffer(), owner: ByteBuffer(), ownerID: nil, adminIDs: []
        ))),
        .request(RoomRequest(requestID: 5, gatewayID: "g", roomID: 2, userID: 3, username: "u", kind: .access(userID: 9))),
        .membershipChanged(nodeID: "worker-1", joined: true),
        .membershipChanged(nodeID: "worker-1", joined: false),
    ])
    func roundTrips(message: ClusterMessage) throws {
        #expect(try ClusterMessage(decoding: message.encoded()) == message)
        // Every truncation is rejected without trapping.
        let bytes = Array(message.encoded().readableBytesView)
        for length in 0..<bytes.count {
            #expect(throws: WireError.self) { try ClusterMessage(decoding: ByteBuffer(bytes: bytes.prefix(length))) }
        }
    }

    @Test func hugeReplayCount_isRejected() {
        var buffer = ByteBuffer(bytes: [1, 4])
        buffer.writeInteger(UInt64(1))
        buffer.writeInteger(UInt8(1))
        buffer.writeInteger(Int64(1))
        buffer.writeInteger(UInt8(1))
        buffer.writeInteger(UInt32.max)
        #expect(throws: WireError.self) { try ClusterMessage(decoding: buffer) }
    }
}
