/// `fanout`: every client joins one room, the senders send at a fixed total rate, every member
/// of a room receives every message of it. Measures ack and delivery latency, deliveries per
/// second, completeness and order, errors, and server CPU per delivered message.
public enum FanoutScenario {
    public static func run(_ driver: LoadDriver, traffic: TrafficOptions) async throws -> RunResult {
        let setup = try await driver.setUpTraffic(traffic)
        let outcome = try await driver.runTraffic(
            senders: setup.senders, rate: traffic.rate, warmup: traffic.warmup, duration: traffic.duration, drain: traffic.drain
        )
        var result = driver.newResult(parameters: traffic.parameters)
        if let warning = traffic.senderRateWarning(rate: traffic.rate) { result.warnings.append(warning) }
        let summary = outcome.summary
        result.connections = setup.opened.handles.count
        result.traffic = summary
        result.errors = driver.runErrors(outcome.snapshot, setup.opened)
        result.closes = outcome.snapshot.closes
        result.sequence = await driver.checkSequences(setup.handles, lastAcked: outcome.snapshot.lastAckedSeq)
        driver.measureUsage(
            into: &result, start: outcome.start, end: outcome.end, deliveries: summary.deliveriesInWindow, traffic: summary,
            targetRate: traffic.rate
        )
        driver.judge(&result, traffic: summary, drained: outcome.drained, snapshot: outcome.snapshot)
        await driver.monitor.setPhase("close")
        await driver.closeAll(setup.handles)
        return try await driver.finish(result)
    }
}
