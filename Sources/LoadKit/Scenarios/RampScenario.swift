/// `ramp`: the fanout set-up, then the rate goes up step by step; each step is measured on its
/// own (warm-up, window, drain) and passes when delivery ≥ the bound (99.9 %), p99 delivery
/// latency ≤ the bound, and nothing was refused. The answer is the highest passing rate.
public enum RampScenario {
    public struct Options: Sendable {
        public var rates: [Double]
        public var minDeliveryPercent: Double
        public var p99BoundMillis: Double

        public init(rates: [Double], minDeliveryPercent: Double, p99BoundMillis: Double) throws {
            guard !rates.isEmpty, rates.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw LoadError.badArgument("ramp rates must be positive") }
            guard (0...100).contains(minDeliveryPercent) else { throw LoadError.badArgument("--min-delivery must be 0–100 (%)") }
            guard p99BoundMillis > 0 else { throw LoadError.badArgument("--p99-bound must be positive (ms)") }
            self.rates = rates
            self.minDeliveryPercent = minDeliveryPercent
            self.p99BoundMillis = p99BoundMillis
        }

        /// `start, start + step, ...` up to `max`.
        public static func steps(start: Double, step: Double, max: Double) throws -> [Double] {
            guard start > 0, step > 0, max >= start else {
                throw LoadError.badArgument("ramp: need --start-rate > 0, --step-rate > 0 and --max-rate ≥ --start-rate")
            }
            let count = Int(((max - start) / step).rounded(.down)) + 1
            guard count <= 1_000 else { throw LoadError.badArgument("ramp: \(count) steps; use a larger --step-rate") }
            return (0..<count).map { start + Double($0) * step }
        }
    }

    public static func run(_ driver: LoadDriver, traffic: TrafficOptions, ramp: Options) async throws -> RunResult {
        let setup = try await driver.setUpTraffic(traffic)
        var result = driver.newResult(parameters: traffic.parameters.merging([
            "rates": ramp.rates.map { Format.decimal($0, 0) }.joined(separator: ","),
            "min_delivery_percent": Format.decimal(ramp.minDeliveryPercent, 3), "p99_bound_ms": Format.decimal(ramp.p99BoundMillis, 1),
        ]) { $1 })
        result.parameters["rate"] = nil
        var steps: [RampStep] = []
        var lastOutcome: TrafficOutcome?
        for (index, rate) in ramp.rates.enumerated() {
            let outcome = try await driver.runTraffic(
                senders: setup.senders, rate: rate, warmup: traffic.warmup, duration: traffic.duration, drain: traffic.drain,
                phase: "step \(index + 1) (\(Format.decimal(rate, 0))/s)"
            )
            lastOutcome = outcome
            let summary = outcome.summary
            var scratch = driver.newResult(parameters: [:])
            driver.measureUsage(
                into: &scratch, start: outcome.start, end: outcome.end, deliveries: summary.deliveriesInWindow, traffic: summary, targetRate: rate
            )
            var reasons: [String] = []
            if summary.deliveryRatio * 100 < ramp.minDeliveryPercent {
                reasons.append("delivered \(Format.decimal(summary.deliveryRatio * 100, 3))%")
            }
            if Double(summary.deliveryLatency.p99Micros) > ramp.p99BoundMillis * 1000 {
                reasons.append("p99 \(Format.micros(summary.deliveryLatency.p99Micros))")
            }
            let errors = outcome.snapshot.measured.errors
            if !errors.isEmpty {
                reasons.append("errors " + errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            if summary.unanswered > 0 { reasons.append("\(summary.unanswered) unanswered") }
            // The harness itself could not keep up: it sent less than asked, or an event loop was
            // saturated. (Waiting for a CPU the servers hold is reported as a warning: on a shared
            // machine that is the machine's limit, not the harness's.)
            let harnessLimited = summary.sendRate < rate * 0.98 || (scratch.client?.loopThreadCPUPercent.contains { $0 >= 90 } ?? false)
            if harnessLimited { reasons.append("harness could not keep the schedule") }
            steps.append(RampStep(
                rate: rate, traffic: summary, errors: errors, passed: reasons.isEmpty, reasons: reasons, harnessLimited: harnessLimited,
                serverCPUMicrosPerDelivery: scratch.serverCPUMicrosPerDelivery
            ))
            result.servers = scratch.servers
            result.client = scratch.client
            result.serverCPUMicrosPerDelivery = scratch.serverCPUMicrosPerDelivery
            result.warnings += scratch.warnings.filter { !$0.hasPrefix("no server processes") }.map { "step \(Format.decimal(rate, 0))/s: \($0)" }
            if let warning = traffic.senderRateWarning(rate: rate) { result.warnings.append(warning) }
            if !reasons.isEmpty { break }
        }
        if driver.options.servers.isEmpty { result.warnings.append("no server processes given (--pid or --cluster-status): no server CPU or memory figures") }
        let highest = steps.filter(\.passed).map(\.rate).max()
        result.ramp = RampResult(
            minDeliveryPercent: ramp.minDeliveryPercent, p99BoundMillis: ramp.p99BoundMillis, steps: steps, highestPassingRate: highest
        )
        result.connections = setup.opened.handles.count
        result.traffic = steps.last(where: \.passed)?.traffic ?? steps.last?.traffic
        let snapshot = lastOutcome?.snapshot ?? LoopSnapshot()
        result.errors = driver.runErrors(snapshot, setup.opened)
        result.closes = snapshot.closes
        result.sequence = await driver.checkSequences(setup.handles, lastAcked: snapshot.lastAckedSeq)
        if highest == nil { result.failures.append("no step passed") }
        if steps.last?.harnessLimited == true {
            result.warnings.append("the ramp stopped because the harness could not keep up, not necessarily the cluster")
        }
        if let sequence = result.sequence, !sequence.isClean {
            result.failures.append("stream check: \(sequence.missing) missing, \(sequence.duplicates) duplicates, \(sequence.outOfOrder) out of order")
        }
        if !setup.opened.failures.isEmpty { result.failures.append("\(setup.opened.failed) clients could not connect or join") }
        await driver.monitor.setPhase("close")
        await driver.closeAll(setup.handles)
        return try await driver.finish(result)
    }
}
