import NIOCore

/// Writes one event loop's share of the send schedule: it wakes when the next send is due, sends
/// everything due by then, round-robin over the loop's senders, and records how late the first of
/// them was. Waking at least 100 µs apart bounds the timer work at high rates (sends then go in
/// small bursts).
final class SendPacer {
    private let schedule: RateSchedule
    private let endNanos: UInt64
    private let senders: [LoadClientHandler]
    private let stats: LoopStats
    private var index: Int64 = 0
    private var next = 0
    private var timer: Scheduled<Void>?
    private var stopped = false

    /// The most the pacer catches up at once: further behind, it drops the missed sends (and
    /// counts them) rather than bursting more than a second's worth at the server, whose
    /// per-connection rate limit would refuse the burst.
    static let maximumCatchUpNanos: UInt64 = 1_000_000_000

    /// Shortest pause between two wake-ups.
    static let minimumPauseNanos: UInt64 = 100_000

    init(schedule: RateSchedule, endNanos: UInt64, senders: [LoadClientHandler], stats: LoopStats) {
        self.schedule = schedule
        self.endNanos = endNanos
        self.senders = senders
        self.stats = stats
    }

    func start(on eventLoop: EventLoop) {
        guard !senders.isEmpty else { return }
        arm(at: schedule.startNanos, on: eventLoop)
    }

    func stop() {
        stopped = true
        timer?.cancel()
        timer = nil
    }

    private func arm(at nanos: UInt64, on eventLoop: EventLoop) {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        timer = eventLoop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(nanos)) {
            bound.value.tick(on: eventLoop)
        }
    }

    private func tick(on eventLoop: EventLoop) {
        guard !stopped else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        let due = schedule.dueCount(atNanos: min(now, endNanos - 1))
        if index < due {
            stats.recordLag(nanos: schedule.lagNanos(of: index, atNanos: now), now: now)
            if now > Self.maximumCatchUpNanos {
                let keep = schedule.dueCount(atNanos: now - Self.maximumCatchUpNanos)
                if keep > index {
                    stats.recordSkipped(keep - index, now: now)
                    index = keep
                }
            }
        }
        var idle = 0
        while index < due {
            let sender = senders[next]
            next = (next + 1) % senders.count
            if sender.sendMessage(now: now) {
                index += 1
                idle = 0
            } else {
                idle += 1
                // Every sender of this loop is closed: nothing more can be sent here.
                if idle >= senders.count { return }
            }
        }
        let nextDue = schedule.dueNanos(of: index)
        guard nextDue < endNanos else { return }
        arm(at: max(nextDue, now + Self.minimumPauseNanos), on: eventLoop)
    }
}
