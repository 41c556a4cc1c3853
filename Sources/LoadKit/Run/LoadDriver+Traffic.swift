import NIOCore

extension LoadDriver {
    /// The readings at one edge of a window.
    public func sampleNow() -> WindowSample {
        WindowSample(
            nanos: Self.now, servers: sampler.sample(), ownCPU: ProcessSampler.ownCPUSeconds(),
            threadCPU: group.threadIDs.map { ProcessSampler.threadCPUSeconds(tid: $0) ?? 0 },
            threadWait: group.threadIDs.map { ProcessSampler.threadWaitSeconds(tid: $0) ?? 0 }, ownMemory: ProcessSampler.ownMemory()
        )
    }

    /// Sends `rate` messages per second from `senders` for `warmup + duration` seconds, measures
    /// the last `duration` seconds, then waits up to `drain` seconds for every answer and delivery
    /// of the measured sends. `during` runs inside the measured window (the resume scenario
    /// disconnects and reconnects clients there).
    public func runTraffic(
        senders: [(handle: ConnectionHandle, role: SendSpec)], rate: Double, warmup: Double, duration: Double, drain: Double,
        phase: String = "", during: (@Sendable (MeasureWindow) async -> Void)? = nil
    ) async throws -> TrafficOutcome {
        let prefix = phase.isEmpty ? "" : phase + " "
        let start = Self.now + 100_000_000
        let window = MeasureWindow(
            startNanos: start + UInt64(warmup * 1e9), endNanos: start + UInt64((warmup + duration) * 1e9)
        )
        await group.startWindow(window)
        try await group.startSending(senders, ratePerSecond: rate, startNanos: start, endNanos: window.endNanos)
        await monitor.setPhase(prefix + (warmup > 0 ? "warmup" : "measure"))
        await Self.sleep(until: window.startNanos)
        let first = sampleNow()
        await monitor.setPhase(prefix + "measure")
        if let during {
            await during(window)
        }
        await Self.sleep(until: window.endNanos)
        let last = sampleNow()
        await monitor.setPhase(prefix + "drain")
        let deadline = Self.now + UInt64(drain * 1e9)
        var snapshot = await group.snapshot()
        var drained = Self.isDrained(snapshot)
        while !drained, Self.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
            snapshot = await group.snapshot()
            drained = Self.isDrained(snapshot)
        }
        await group.stopSending()
        return TrafficOutcome(window: window, start: first, end: last, snapshot: snapshot, targetRate: rate, drained: drained)
    }

    static func isDrained(_ snapshot: LoopSnapshot) -> Bool {
        let measured = snapshot.measured
        return measured.delivered >= measured.expected && measured.acked + measured.refused >= measured.sent
    }

    /// Sleeps until monotonic `nanos` (returns at once if it has passed).
    public static func sleep(until nanos: UInt64) async {
        let now = Self.now
        if nanos > now { try? await Task.sleep(nanoseconds: nanos - now) }
    }

    /// The stream check of `handles` in their rooms: each tracker against the room's last seq
    /// (the highest acked, or seen by any member).
    public func checkSequences(_ handles: [ConnectionHandle], lastAcked: [Int64: Int64]) async -> SequenceCheck {
        var trackers: [(client: Int, room: Int64, tracker: SequenceTracker)] = []
        for handle in handles {
            guard let roomTrackers = try? await handle.trackers() else { continue }
            for (room, tracker) in roomTrackers { trackers.append((handle.index, room, tracker)) }
        }
        return Self.checkSequences(trackers, lastAcked: lastAcked)
    }

    static func checkSequences(_ trackers: [(client: Int, room: Int64, tracker: SequenceTracker)], lastAcked: [Int64: Int64]) -> SequenceCheck {
        var finalSeq = lastAcked
        for entry in trackers { finalSeq[entry.room] = max(finalSeq[entry.room, default: 0], entry.tracker.highest) }
        var check = SequenceCheck()
        for entry in trackers.sorted(by: { ($0.room, $0.client) < ($1.room, $1.client) }) {
            check.add(entry.tracker, client: entry.client, roomID: entry.room, finalSeq: finalSeq[entry.room, default: 0])
        }
        return check
    }
}
