import ClusterKit
import NIOCore
import Testing

@testable import RoomWorker

@Suite struct OwnedRoomTests {
    func message(_ seq: Int64, user: Int64 = 1, id: String? = nil) -> ChatMessage {
        ChatMessage(roomID: 9, seq: seq, userID: user, username: "u", content: "c\(seq)", clientMessageID: id, sentAt: 0)
    }

    @Test func tail_replaysOnlyWhatItHoldsCompletely() {
        var room = OwnedRoom(roomID: 9, lastSeq: 0, tailCapacity: 3, windowCapacity: 10)
        for seq: Int64 in 1...5 { room.committed(message(seq), frame: ByteBuffer(string: "f\(seq)")) }
        #expect(room.lastSeq == 5)
        #expect(room.replay(after: 3, limit: 100) == [ByteBuffer(string: "f4"), ByteBuffer(string: "f5")])
        #expect(room.replay(after: 2, limit: 100) == [ByteBuffer(string: "f3"), ByteBuffer(string: "f4"), ByteBuffer(string: "f5")])
        #expect(room.replay(after: 1, limit: 100) == nil)  // 2 is no longer in the tail
        #expect(room.replay(after: 5, limit: 100) == [])
        #expect(room.replay(after: 2, limit: 2) == nil)  // more than the limit
    }

    @Test func idempotencyWindow_remembersTheNewestKeys() {
        var room = OwnedRoom(roomID: 9, lastSeq: 0, tailCapacity: 0, windowCapacity: 2)
        room.committed(message(1, id: "a"), frame: ByteBuffer())
        room.committed(message(2, id: "b"), frame: ByteBuffer())
        room.committed(message(3, user: 2, id: "a"), frame: ByteBuffer())
        #expect(room.storedSeq(for: IdempotencyKey(userID: 1, clientMessageID: "a")) == nil)
        #expect(room.storedSeq(for: IdempotencyKey(userID: 1, clientMessageID: "b")) == 2)
        #expect(room.storedSeq(for: IdempotencyKey(userID: 2, clientMessageID: "a")) == 3)
    }

    @Test func presence_countsConnectionsPerUserAcrossGateways() {
        var room = OwnedRoom(roomID: 9, lastSeq: 0, tailCapacity: 0, windowCapacity: 0)
        var firsts: [Bool] = []
        firsts.append(room.join(userID: 1, username: "a", gateway: "g1"))
        firsts.append(room.join(userID: 1, username: "a", gateway: "g2"))
        firsts.append(room.join(userID: 1, username: "a", gateway: "g2"))
        #expect(firsts == [true, false, false])
        var lasts: [Bool] = []
        lasts.append(room.leave(userID: 1, gateway: "g2"))
        lasts.append(room.leave(userID: 1, gateway: "g1"))
        lasts.append(room.leave(userID: 1, gateway: "g1"))  // unbalanced: ignored
        lasts.append(room.leave(userID: 1, gateway: "g2"))
        #expect(lasts == [false, false, false, true])
        #expect(room.presence.isEmpty)
    }
}
