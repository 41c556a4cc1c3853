/// Everything the connections of one event loop count, touched only on that loop (no locks on
/// the hot path); the driver takes copies through `EventLoop.submit`.
final class LoopStats {
    /// Since the last `takeInterval()` (by arrival time): the per-second series.
    var interval = TrafficCounters()
    /// Traffic whose send time is in `window`.
    var measured = TrafficCounters()
    /// Deliveries that arrived inside `window` (what server CPU per delivery divides by).
    var deliveredInWindow: Int64 = 0
    var window = MeasureWindow.none
    /// Highest seq acked per room (the room's last seq, with the receivers' highest).
    var lastAckedSeq: [Int64: Int64] = [:]
    /// Connections whose upgrade succeeded and that are still open.
    var openConnections = 0
    /// Connections closed by the server or the network, by reason (`close_4008`, `eof`, ...).
    var closes: [String: Int64] = [:]
    /// `error` frames by code over the whole run (never reset).
    var allErrors: [String: Int64] = [:]
    /// Frames the scanner could not read, or messages for a room the connection has not joined.
    var unreadable: Int64 = 0

    @inline(__always)
    func recordSend(sentNanos: UInt64, members: Int) {
        interval.sent += 1
        if window.contains(sentNanos) {
            measured.sent += 1
            measured.expected += Int64(members)
        }
    }

    @inline(__always)
    func recordAck(roomID: Int64, seq: Int64, sentNanos: UInt64?, now: UInt64) {
        interval.acked += 1
        if seq > lastAckedSeq[roomID, default: 0] { lastAckedSeq[roomID] = seq }
        guard let sentNanos else { return }
        let latency = now &- sentNanos
        interval.ackLatency.record(nanoseconds: latency)
        if window.contains(sentNanos) {
            measured.acked += 1
            measured.ackLatency.record(nanoseconds: latency)
        }
    }

    /// A refused send (an `error` whose `ref` is one of our `client_msg_id`s).
    func recordRefusal(sentNanos: UInt64, members: Int) {
        interval.refused += 1
        if window.contains(sentNanos) {
            measured.refused += 1
            measured.expected -= Int64(members)
        }
    }

    @inline(__always)
    func recordDelivery(sentNanos: UInt64?, now: UInt64, replayed: Bool) {
        interval.delivered += 1
        if window.contains(now) { deliveredInWindow += 1 }
        if replayed { interval.replayed += 1 }
        guard let sentNanos else { return }
        let latency = now &- sentNanos
        if !replayed { interval.deliveryLatency.record(nanoseconds: latency) }
        if window.contains(sentNanos) {
            measured.delivered += 1
            if replayed {
                measured.replayed += 1
            } else {
                measured.deliveryLatency.record(nanoseconds: latency)
            }
        }
    }

    func recordError(code: String) {
        interval.errors[code, default: 0] += 1
        measured.errors[code, default: 0] += 1
        allErrors[code, default: 0] += 1
    }

    func recordRetry() {
        interval.retried += 1
        measured.retried += 1
    }

    func recordSkipped(_ count: Int64, now: UInt64) {
        interval.skipped += count
        if window.contains(now) { measured.skipped += count }
    }

    func recordLag(nanos: UInt64, now: UInt64) {
        interval.scheduleLag.record(nanoseconds: nanos)
        if window.contains(now) { measured.scheduleLag.record(nanoseconds: nanos) }
    }

    func recordClose(reason: String) {
        closes[reason, default: 0] += 1
    }

    /// The counters since the last call; starts a new interval.
    func takeInterval() -> TrafficCounters {
        defer { interval = TrafficCounters() }
        return interval
    }

    /// Starts measuring `window` afresh.
    func startWindow(_ window: MeasureWindow) {
        self.window = window
        measured = TrafficCounters()
        deliveredInWindow = 0
    }
}
