/// Every send of a `worker-store` run, by send index (0, 1, 2, …; the request id is index + 1):
/// when it left, and how it ended. Keeps the window of outstanding requests, counts acks per
/// owner worker in the measured window and records their latency. Pure value logic: the caller
/// passes the time.
///
/// Send `i` goes to room slot `i % roomOwners.count`; `roomOwners[slot]` is the index of the worker
/// that owns that room.
public struct SendLedger: Sendable {
    /// How a send ended (so far).
    public enum Outcome: Equatable, Sendable {
        case pending
        case acked(seq: Int64)
        case failed(code: String)
    }

    /// Most requests outstanding at once.
    public let window: Int
    /// Worker index of each room slot.
    public let roomOwners: [Int]
    /// Number of workers (`roomOwners` values are below it).
    public let workers: Int

    private var sentAt: [UInt64] = []
    /// 0: pending; > 0: acked with that seq; < 0: failed with `codes[-value - 1]`.
    private var results: [Int64] = []
    private var codes: [String] = []
    private var codeIndex: [String: Int] = [:]

    /// Requests sent and not answered yet.
    public private(set) var outstanding = 0
    /// Set once the run stops sending.
    public private(set) var stopped = false
    public private(set) var acked: Int64 = 0
    public private(set) var failed: [String: Int64] = [:]
    /// Replies for a request that was already answered, or that was never sent.
    public private(set) var strayReplies: Int64 = 0

    /// The measured window; acks received in it count for the throughput and the latency.
    public private(set) var measure = MeasureWindow.none
    public private(set) var ackedInWindow: Int64 = 0
    public private(set) var ackedInWindowByWorker: [Int64]
    public private(set) var ackLatency = LatencyHistogram()
    /// Ack latencies since the last `takeIntervalLatency()` (the progress line), in the window or not.
    private var intervalLatency = LatencyHistogram()

    public init(window: Int, roomOwners: [Int], workers: Int) {
        precondition(window > 0 && !roomOwners.isEmpty && roomOwners.allSatisfy { (0..<workers).contains($0) })
        self.window = window
        self.roomOwners = roomOwners
        self.workers = workers
        self.ackedInWindowByWorker = Array(repeating: 0, count: workers)
    }

    /// Sends made so far.
    public var sent: Int { sentAt.count }

    /// The room slot of send `index`.
    @inline(__always)
    public func roomSlot(of index: Int) -> Int { index % roomOwners.count }

    /// Takes the next sends that fit in the window (none once stopped): their indexes.
    public mutating func takeSends(now: UInt64) -> Range<Int> {
        guard !stopped else { return sentAt.count..<sentAt.count }
        let count = window - outstanding
        guard count > 0 else { return sentAt.count..<sentAt.count }
        let first = sentAt.count
        sentAt.append(contentsOf: repeatElement(now, count: count))
        results.append(contentsOf: repeatElement(0, count: count))
        outstanding += count
        return first..<(first + count)
    }

    /// No more sends from now on (the drain).
    public mutating func stop() { stopped = true }

    /// Starts the measured window at `now`.
    public mutating func beginMeasure(now: UInt64) {
        measure = MeasureWindow(startNanos: now, endNanos: .max)
    }

    /// Ends the measured window at `now`.
    public mutating func endMeasure(now: UInt64) {
        measure.endNanos = now
    }

    /// The owner answered request `requestID` (= send index + 1) at `now`.
    public mutating func acked(requestID: UInt64, seq: Int64, now: UInt64) {
        guard seq >= 1 else { return failed(requestID: requestID, code: "invalid_seq") }
        guard let index = pendingIndex(requestID) else { return }
        results[index] = seq
        outstanding -= 1
        acked += 1
        let latency = now >= sentAt[index] ? now - sentAt[index] : 0
        intervalLatency.record(nanoseconds: latency)
        if measure.contains(now) {
            ackedInWindow += 1
            ackedInWindowByWorker[roomOwners[roomSlot(of: index)]] += 1
            ackLatency.record(nanoseconds: latency)
        }
    }

    /// The ack latencies recorded since the last call.
    public mutating func takeIntervalLatency() -> LatencyHistogram {
        defer { intervalLatency = LatencyHistogram() }
        return intervalLatency
    }

    /// Request `requestID` ended without an ack: an error reply, nobody listening, or a timeout.
    public mutating func failed(requestID: UInt64, code: String) {
        guard let index = pendingIndex(requestID) else { return }
        let codeNumber: Int
        if let known = codeIndex[code] {
            codeNumber = known
        } else {
            codeNumber = codes.count
            codes.append(code)
            codeIndex[code] = codeNumber
        }
        results[index] = -Int64(codeNumber) - 1
        outstanding -= 1
        failed[code, default: 0] += 1
    }

    /// Fails every request still waiting with `code` (the drain timed out).
    public mutating func failAllPending(code: String) {
        for index in results.indices where results[index] == 0 { failed(requestID: UInt64(index) + 1, code: code) }
    }

    /// How send `index` ended.
    public func outcome(of index: Int) -> Outcome {
        let value = results[index]
        if value == 0 { return .pending }
        if value > 0 { return .acked(seq: value) }
        return .failed(code: codes[Int(-value - 1)])
    }

    /// The acked seq of send `index`, if it was acked.
    @inline(__always)
    public func ackedSeq(of index: Int) -> Int64? {
        let value = results[index]
        return value > 0 ? value : nil
    }

    private mutating func pendingIndex(_ requestID: UInt64) -> Int? {
        guard requestID >= 1, requestID <= UInt64(results.count), results[Int(requestID - 1)] == 0 else {
            strayReplies += 1
            return nil
        }
        return Int(requestID - 1)
    }
}
