/// Checks one receiving connection's stream of one room by `seq`: the contract promises that every
/// member sees `seq` rise by exactly 1 from what it joined at, with nothing missing or repeated.
///
/// A pure value so that the detection is tested without sockets and so that it survives a
/// reconnect: the resume scenario hands the tracker of a dropped connection to its successor.
public struct SequenceTracker: Sendable, Equatable, Codable {
    /// What one arrival was.
    public enum Outcome: Sendable, Equatable {
        /// `seq` was the next one.
        case inOrder
        /// `seq` skipped `missing` seqs (they may still come, out of order).
        case ahead(missing: Int64)
        /// `seq` filled a hole left by an earlier skip: it came out of order.
        case outOfOrder
        /// `seq` was seen already (or is at or below the baseline the connection joined at).
        case duplicate
    }

    /// Seqs at or below this were not expected (the `last_seq` of `joined`, or `since_seq` of a resume).
    public private(set) var baseline: Int64
    /// The highest seq seen (the baseline before any).
    public private(set) var highest: Int64
    /// Messages accepted (in order, ahead or out of order; not duplicates).
    public private(set) var received: Int64 = 0
    public private(set) var duplicates: Int64 = 0
    public private(set) var outOfOrder: Int64 = 0
    /// How many times a seq skipped ahead of the next expected one.
    public private(set) var skips: Int64 = 0
    /// Holes left by skips that have not been filled yet, ascending and disjoint.
    public private(set) var holes: [ClosedRange<Int64>] = []

    public init(baseline: Int64) {
        self.baseline = baseline
        self.highest = baseline
    }

    /// Records the arrival of `seq`.
    @discardableResult
    public mutating func record(_ seq: Int64) -> Outcome {
        if seq == highest + 1 {
            highest = seq
            received += 1
            return .inOrder
        }
        if seq > highest {
            let missing = seq - highest - 1
            holes.append((highest + 1)...(seq - 1))
            highest = seq
            received += 1
            skips += 1
            return .ahead(missing: missing)
        }
        if let index = holes.firstIndex(where: { $0.contains(seq) }) {
            let hole = holes[index]
            var replacement: [ClosedRange<Int64>] = []
            if hole.lowerBound < seq { replacement.append(hole.lowerBound...(seq - 1)) }
            if seq < hole.upperBound { replacement.append((seq + 1)...hole.upperBound) }
            holes.replaceSubrange(index...index, with: replacement)
            received += 1
            outOfOrder += 1
            return .outOfOrder
        }
        duplicates += 1
        return .duplicate
    }

    /// Messages never received when the room's last seq is `finalSeq`: unfilled holes plus
    /// everything after `highest`.
    public func missing(upTo finalSeq: Int64) -> Int64 {
        let inside = holes.reduce(Int64(0)) { $0 + Int64($1.count) }
        return inside + max(0, finalSeq - highest)
    }

    /// True when every seq in `(baseline, finalSeq]` arrived exactly once and in order.
    public func isComplete(upTo finalSeq: Int64) -> Bool {
        missing(upTo: finalSeq) == 0 && duplicates == 0 && outOfOrder == 0 && highest <= max(finalSeq, baseline)
    }
}
