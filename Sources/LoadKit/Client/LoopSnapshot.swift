/// A copy of one event loop's cumulative counters, taken on the loop and merged by the driver.
public struct LoopSnapshot: Sendable {
    public var measured = TrafficCounters()
    public var deliveredInWindow: Int64 = 0
    public var lastAckedSeq: [Int64: Int64] = [:]
    public var openConnections = 0
    public var closes: [String: Int64] = [:]
    public var unreadable: Int64 = 0
    /// `error` frames by code over the whole run.
    public var allErrors: [String: Int64] = [:]

    public init() {}

    public mutating func merge(_ other: LoopSnapshot) {
        measured.merge(other.measured)
        deliveredInWindow += other.deliveredInWindow
        lastAckedSeq.merge(other.lastAckedSeq) { max($0, $1) }
        openConnections += other.openConnections
        closes.merge(other.closes, uniquingKeysWith: +)
        unreadable += other.unreadable
        allErrors.merge(other.allErrors, uniquingKeysWith: +)
    }
}
