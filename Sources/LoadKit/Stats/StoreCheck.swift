/// The check after a `worker-store` run, from the rows stored in the run's rooms: every acked
/// message is stored exactly once, with the seq it was acked with, and every room's seqs are
/// `1…last_seq` without a hole.
public struct StoreCheck: Codable, Sendable, Equatable {
    /// Sends that were acked.
    public var acked: Int64 = 0
    /// Rows in the run's rooms.
    public var storedRows: Int64 = 0
    /// Acked sends found exactly once with their acked seq.
    public var ackedStoredOnce: Int64 = 0
    /// Acked sends not stored at all.
    public var ackedMissing: Int64 = 0
    /// Acked sends stored with another seq than the ack said.
    public var ackedWrongSeq: Int64 = 0
    /// Rows beyond the first for the same send.
    public var duplicateRows: Int64 = 0
    /// Rows of sends that were not acked (failed or unanswered: allowed, a client resends them).
    public var storedNotAcked: Int64 = 0
    /// Rows whose `client_msg_id` is not one of this run's sends.
    public var foreignRows: Int64 = 0
    /// Rooms whose seqs are not exactly `1…max`, or whose `last_seq` differs from the highest stored seq.
    public var brokenRooms = 0
    /// A few of the problems, for a human.
    public var examples: [String] = []

    public init() {}

    public var isClean: Bool {
        ackedMissing == 0 && ackedWrongSeq == 0 && duplicateRows == 0 && foreignRows == 0 && brokenRooms == 0
            && ackedStoredOnce == acked
    }
}

/// Builds a `StoreCheck` from the ledger and the stored rows, one row at a time.
public struct StoreVerifier: Sendable {
    private let ledger: SendLedger
    private let roomIDs: [Int64]
    private let slotOfRoom: [Int64: Int]
    private let idPrefix: String
    private var seen: [UInt8]
    private var rowsPerSlot: [Int64]
    private var minSeq: [Int64]
    private var maxSeq: [Int64]
    private var check = StoreCheck()

    /// - Parameters:
    ///   - roomIDs: the room of each slot.
    ///   - idPrefix: each send's `client_msg_id` is this prefix + its index.
    public init(ledger: SendLedger, roomIDs: [Int64], idPrefix: String) {
        precondition(roomIDs.count == ledger.roomOwners.count)
        self.ledger = ledger
        self.roomIDs = roomIDs
        self.slotOfRoom = Dictionary(uniqueKeysWithValues: roomIDs.enumerated().map { ($1, $0) })
        self.idPrefix = idPrefix
        seen = Array(repeating: 0, count: ledger.sent)
        rowsPerSlot = Array(repeating: 0, count: roomIDs.count)
        minSeq = Array(repeating: .max, count: roomIDs.count)
        maxSeq = Array(repeating: 0, count: roomIDs.count)
    }

    /// One stored row of the run's rooms.
    public mutating func add(roomID: Int64, seq: Int64, clientMessageID: String?) {
        check.storedRows += 1
        if let slot = slotOfRoom[roomID] {
            rowsPerSlot[slot] += 1
            minSeq[slot] = min(minSeq[slot], seq)
            maxSeq[slot] = max(maxSeq[slot], seq)
        }
        guard let index = sendIndex(clientMessageID), index < seen.count, roomIDs[ledger.roomSlot(of: index)] == roomID else {
            check.foreignRows += 1
            note("room \(roomID) seq \(seq): client_msg_id \(clientMessageID ?? "null") is not a send of this run (to this room)")
            return
        }
        if seen[index] > 0 {
            check.duplicateRows += 1
            note("send \(index) stored more than once (again as room \(roomID) seq \(seq))")
            return
        }
        seen[index] = 1
        switch ledger.outcome(of: index) {
        case .acked(let acked) where acked == seq:
            check.ackedStoredOnce += 1
        case .acked(let acked):
            check.ackedWrongSeq += 1
            note("send \(index) acked with seq \(acked) but stored as room \(roomID) seq \(seq)")
        case .pending, .failed:
            check.storedNotAcked += 1
        }
    }

    /// The check, given each room's `last_seq` from the rooms table.
    public func finish(lastSeqs: [Int64: Int64]) -> StoreCheck {
        var check = self.check
        for index in 0..<ledger.sent where ledger.ackedSeq(of: index) != nil {
            check.acked += 1
            if seen[index] == 0 {
                check.ackedMissing += 1
                if check.examples.count < 10 {
                    check.examples.append("send \(index) acked with seq \(ledger.ackedSeq(of: index) ?? 0) but not stored")
                }
            }
        }
        for (slot, roomID) in roomIDs.enumerated() {
            let rows = rowsPerSlot[slot]
            let last = lastSeqs[roomID] ?? 0
            let contiguous = rows == 0 ? last == 0 : (minSeq[slot] == 1 && maxSeq[slot] == rows && last == rows)
            if !contiguous {
                check.brokenRooms += 1
                if check.examples.count < 10 {
                    check.examples.append(
                        "room \(roomID): \(rows) rows, seqs \(rows == 0 ? "none" : "\(minSeq[slot])…\(maxSeq[slot])"), last_seq \(last)"
                    )
                }
            }
        }
        return check
    }

    private func sendIndex(_ clientMessageID: String?) -> Int? {
        guard let clientMessageID, clientMessageID.hasPrefix(idPrefix) else { return nil }
        return Int(clientMessageID.dropFirst(idPrefix.count))
    }

    private mutating func note(_ example: String) {
        if check.examples.count < 10 { check.examples.append(example) }
    }
}
