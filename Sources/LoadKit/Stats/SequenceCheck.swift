/// The stream check of a whole run: every (receiving connection, room) tracker against the
/// room's last seq.
public struct SequenceCheck: Codable, Sendable, Equatable {
    /// (connection, room) streams checked.
    public var streams = 0
    /// Streams that got every seq after their baseline exactly once, in order.
    public var complete = 0
    /// Messages never received (holes, and the tail after a stream's highest seq).
    public var missing: Int64 = 0
    public var duplicates: Int64 = 0
    public var outOfOrder: Int64 = 0
    /// Times a stream skipped ahead (a hole opened, maybe filled later).
    public var gapEvents: Int64 = 0
    /// A few of the broken streams, for a human: `client 12 room 3: missing 4, ...`.
    public var examples: [String] = []

    public init() {}

    public var isClean: Bool { missing == 0 && duplicates == 0 && outOfOrder == 0 }

    /// Adds the tracker of `client` in `roomID`, whose last seq is `finalSeq`.
    public mutating func add(_ tracker: SequenceTracker, client: Int, roomID: Int64, finalSeq: Int64) {
        streams += 1
        let missing = tracker.missing(upTo: finalSeq)
        self.missing += missing
        duplicates += tracker.duplicates
        outOfOrder += tracker.outOfOrder
        gapEvents += tracker.skips
        if tracker.isComplete(upTo: finalSeq) {
            complete += 1
        } else if examples.count < 10 {
            examples.append(
                "client \(client) room \(roomID): seqs \(tracker.baseline + 1)...\(finalSeq), got \(tracker.received), "
                    + "missing \(missing), duplicates \(tracker.duplicates), out of order \(tracker.outOfOrder)"
            )
        }
    }
}
