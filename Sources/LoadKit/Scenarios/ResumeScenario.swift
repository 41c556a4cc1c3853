import Foundation

/// `resume`: the fanout set-up; inside the measured window K receiving clients drop their
/// connection, stay away while the senders go on, then reconnect and join with `since_seq` = the
/// last seq they saw. Their stream check continues across the reconnect, so the run verifies the
/// contract's "no gaps on resume": every message exactly once, in order.
public enum ResumeScenario {
    public struct Options: Sendable {
        public var disconnect: Int
        /// Seconds the dropped clients stay away.
        public var offline: Double
        /// Seconds into the measured window when they drop.
        public var at: Double?

        public init(disconnect: Int, offline: Double, at: Double?) throws {
            guard disconnect > 0 else { throw LoadError.badArgument("--disconnect must be at least 1") }
            guard offline >= 0 else { throw LoadError.badArgument("--offline must not be negative") }
            if let at, at < 0 { throw LoadError.badArgument("--disconnect-at must not be negative") }
            self.disconnect = disconnect
            self.offline = offline
            self.at = at
        }
    }

    /// What the reconnect inside the window gives back to the scenario.
    actor Outcome {
        var victims: [Int] = []
        var reopened = OpenOutcome()

        func record(victims: [Int], reopened: OpenOutcome) {
            self.victims = victims
            self.reopened = reopened
        }
    }

    /// The receivers (not senders) to drop, spread evenly over the clients.
    static func victims(of handles: [ConnectionHandle], senders: Set<Int>, count: Int) -> [ConnectionHandle] {
        let receivers = handles.filter { !senders.contains($0.index) }
        guard !receivers.isEmpty else { return [] }
        let count = min(count, receivers.count)
        return (0..<count).map { receivers[$0 * receivers.count / count] }
    }

    public static func run(_ driver: LoadDriver, traffic: TrafficOptions, resume: Options) async throws -> RunResult {
        let setup = try await driver.setUpTraffic(traffic)
        let senderClients = Set(setup.senders.map(\.handle.index))
        let victims = Self.victims(of: setup.handles, senders: senderClients, count: resume.disconnect)
        guard !victims.isEmpty else { throw LoadError.badArgument("resume needs receivers that are not senders: lower --senders") }
        let at = resume.at ?? traffic.duration / 4
        guard at + resume.offline < traffic.duration else {
            throw LoadError.badArgument("--disconnect-at + --offline must end inside the measured --duration")
        }
        let outcomeBox = Outcome()
        let identities = setup.identities
        let rooms = setup.rooms
        let layout = traffic.layout
        let outcome = try await driver.runTraffic(
            senders: setup.senders, rate: traffic.rate, warmup: traffic.warmup, duration: traffic.duration, drain: traffic.drain
        ) { window in
            await LoadDriver.sleep(until: window.startNanos + UInt64(at * 1e9))
            await driver.monitor.setPhase("measure", note: "dropping \(victims.count) clients")
            var plans: [ClientPlan] = []
            for victim in victims {
                // Close first: nothing reaches the old socket after its trackers are read.
                await victim.close()
                let trackers = (try? await victim.trackers()) ?? [:]
                let room = rooms[layout.roomOfClient[victim.index]]
                let tracker = trackers[room]
                plans.append(ClientPlan(
                    index: victim.index, identity: driver.refreshedIdentity(identities[victim.index]), roomID: room,
                    sinceSeq: tracker?.highest ?? 0, tracker: tracker
                ))
            }
            try? await Task.sleep(for: .seconds(resume.offline))
            let reopened = await driver.open(plans, concurrency: driver.options.connectConcurrency, phase: "measure")
            await outcomeBox.record(victims: victims.map(\.index), reopened: reopened)
        }
        let reopened = await outcomeBox.reopened
        var handles = setup.opened.handles
        for victim in victims { handles[victim.index] = nil }
        for (index, handle) in reopened.handles { handles[index] = handle }
        let allHandles = handles.values.sorted { $0.index < $1.index }

        var result = driver.newResult(parameters: traffic.parameters.merging([
            "disconnect": String(victims.count), "offline": Format.decimal(resume.offline), "disconnect_at": Format.decimal(at),
        ]) { $1 })
        let summary = outcome.summary
        result.connections = allHandles.count
        result.traffic = summary
        result.errors = driver.runErrors(outcome.snapshot, setup.opened, reopened)
        // The harness closed the victims itself; the server closed nothing.
        result.closes = outcome.snapshot.closes
        result.sequence = await driver.checkSequences(allHandles, lastAcked: outcome.snapshot.lastAckedSeq)
        let resumedCheck = await driver.checkSequences(Array(reopened.handles.values), lastAcked: outcome.snapshot.lastAckedSeq)
        result.resume = ResumeResult(
            disconnected: victims.count, resumed: reopened.handles.count, offlineSeconds: resume.offline, replayed: summary.replayed,
            resumeLatency: reopened.connectJoin.summary, resumedStreamsComplete: resumedCheck.complete, resumedStreams: resumedCheck.streams
        )
        driver.measureUsage(
            into: &result, start: outcome.start, end: outcome.end, deliveries: summary.deliveriesInWindow, traffic: summary,
            targetRate: traffic.rate
        )
        driver.judge(&result, traffic: summary, drained: outcome.drained, snapshot: outcome.snapshot)
        if reopened.handles.count < victims.count {
            result.failures.append("\(victims.count - reopened.handles.count) of \(victims.count) dropped clients could not resume")
        }
        if summary.replayed == 0, resume.offline > 0 {
            result.warnings.append("nothing was replayed: the dropped clients missed no message (rate too low or offline too short)")
        }
        result.passed = result.failures.isEmpty
        await driver.monitor.setPhase("close")
        await driver.closeAll(allHandles)
        return try await driver.finish(result)
    }
}
