import ClusterKit
import NIOCore
import Testing

@testable import RoomWorker

@Suite struct WorkerCoreSlotTests {
    func message(_ seq: Int64) -> ChatMessage {
        ChatMessage(roomID: 9, seq: seq, userID: 1, username: "u", content: "c", clientMessageID: "k\(seq)", sentAt: 0)
    }

    @Test func updateRoom_changesAReadyRoomInPlace() {
        var slot = WorkerCore.Slot.ready(OwnedRoom(roomID: 9, lastSeq: 0, tailCapacity: 10, windowCapacity: 10))
        slot.updateRoom { $0.committed(message(1), frame: ByteBuffer(string: "f1")) }
        slot.updateRoom { $0.committed(message(2), frame: ByteBuffer(string: "f2")) }
        guard case .ready(let room) = slot else {
            Issue.record("the slot is no longer ready")
            return
        }
        #expect(room.lastSeq == 2)
        #expect(room.storedSeq(for: IdempotencyKey(userID: 1, clientMessageID: "k2")) == 2)
        #expect(room.replay(after: 0, limit: 10) == [ByteBuffer(string: "f1"), ByteBuffer(string: "f2")])
    }

    @Test func updateRoom_leavesALoadingSlotAlone() {
        var slot = WorkerCore.Slot.loading(queue: [], previous: nil)
        var called = false
        slot.updateRoom { _ in called = true }
        #expect(!called)
        guard case .loading(let queue, let previous) = slot else {
            Issue.record("the slot changed")
            return
        }
        #expect(queue.isEmpty && previous == nil)
    }
}
