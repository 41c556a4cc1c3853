import Foundation

extension LoadDriver {
    /// A result with the run's identity filled in.
    public func newResult(parameters: [String: String]) -> RunResult {
        var parameters = parameters
        parameters["threads"] = String(options.threads)
        parameters["accounts"] = options.accounts.rawValue
        if options.nice != 0 { parameters["nice"] = String(options.nice) }
        if !sources.isEmpty { parameters["source_addresses"] = sources.joined(separator: ",") }
        return RunResult(scenario: scenario, startedAt: startedAt, parameters: parameters, gateways: options.gateways.map(\.description))
    }

    /// Server CPU and memory, the harness's own cost and the warnings about it, between `start`
    /// and `end`; `deliveries` are those that arrived in between (for CPU per delivery).
    public func measureUsage(
        into result: inout RunResult, start: WindowSample, end: WindowSample, deliveries: Int64?, traffic: TrafficSummary? = nil,
        targetRate: Double? = nil
    ) {
        let seconds = max(0.001, Double(end.nanos - start.nanos) / 1e9)
        result.servers = zip(options.servers, zip(start.servers, end.servers)).map { process, pair in
            ServerUsage.between(process, pair.0, pair.1, seconds: seconds)
        }
        let serverCPU = result.servers.reduce(0) { $0 + $1.cpuSeconds }
        if let deliveries, deliveries > 0, !result.servers.isEmpty {
            result.serverCPUMicrosPerDelivery = serverCPU * 1e6 / Double(deliveries)
        }
        let threadPercent = zip(end.threadCPU, start.threadCPU).map { ($0 - $1) / seconds * 100 }
        let waitPercent = zip(end.threadWait, start.threadWait).map { ($0 - $1) / seconds * 100 }
        let clientCPU = end.ownCPU - start.ownCPU
        var bottleneck = false
        var warnings: [String] = []
        for (index, percent) in threadPercent.enumerated() where percent >= 90 {
            bottleneck = true
            warnings.append(
                "harness event-loop thread \(index + 1) used \(Format.decimal(percent, 0))% of a core: the harness may be the bottleneck "
                    + "(try --threads \(options.threads + 1), fewer clients, or another machine)"
            )
        }
        for (index, percent) in waitPercent.enumerated() where percent >= 10 {
            bottleneck = true
            warnings.append(
                "harness event-loop thread \(index + 1) waited \(Format.decimal(percent, 0))% of the time for a CPU taken by other "
                    + "processes: its latencies include that wait (give the harness priority with --nice -10 as root, or run it on other cores)"
            )
        }
        if let traffic {
            if traffic.scheduleLag.p99Micros > 10_000 {
                // Latencies are measured from the actual send, so a late send does not inflate
                // them; it means the harness did not get the CPU when it needed it.
                let busiest = threadPercent.max() ?? 0
                warnings.append(
                    "sends went out late: schedule lag p99 \(Format.micros(traffic.scheduleLag.p99Micros)), max "
                        + "\(Format.micros(traffic.scheduleLag.maxMicros)) ("
                        + (busiest >= 90 ? "the harness's event loop was busy" : "its event loop was only \(Format.decimal(busiest, 0))% busy: the machine's CPU was taken")
                        + "); latencies are measured from the actual send, but delivery also waits for the receiving loop"
                )
            }
            if traffic.skipped > 0 {
                warnings.append("\(traffic.skipped) sends were skipped: the pacer fell more than a second behind its schedule")
            }
            if let targetRate, traffic.sendRate < targetRate * 0.98 {
                bottleneck = true
                warnings.append(
                    "the harness sent \(Format.decimal(traffic.sendRate)) msgs/s of the \(Format.decimal(targetRate)) asked for "
                        + "(closed senders, or the harness could not keep up)"
                )
            }
        }
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        if !result.servers.isEmpty, (serverCPU + clientCPU) / seconds >= cores * 0.95 {
            warnings.append(
                "the machine's \(Int(cores)) cores were saturated (servers \(Format.decimal(serverCPU / seconds * 100, 0))%, harness "
                    + "\(Format.decimal(clientCPU / seconds * 100, 0))%): the harness and the servers compete for CPU"
            )
        }
        if result.servers.isEmpty {
            warnings.append("no server processes given (--pid or --cluster-status): no server CPU or memory figures")
        }
        result.client = ClientUsage(
            threads: options.threads, cpuSeconds: clientCPU, cpuPercent: clientCPU / seconds * 100, loopThreadCPUPercent: threadPercent,
            loopThreadWaitPercent: waitPercent, rssBytes: end.ownMemory.rss, peakRSSBytes: end.ownMemory.peak, bottleneck: bottleneck
        )
        result.warnings.append(contentsOf: warnings)
    }

    /// Adds the verdict of measured traffic: everything expected delivered, every send answered,
    /// clean streams, no errors, no dropped sockets.
    public func judge(_ result: inout RunResult, traffic: TrafficSummary, drained: Bool, snapshot: LoopSnapshot) {
        if traffic.delivered < traffic.expectedDeliveries {
            result.failures.append("delivered \(traffic.delivered) of \(traffic.expectedDeliveries) expected deliveries")
        } else if traffic.delivered > traffic.expectedDeliveries {
            result.failures.append("delivered \(traffic.delivered), more than the \(traffic.expectedDeliveries) expected")
        }
        if traffic.unanswered > 0 { result.failures.append("\(traffic.unanswered) sends got neither an ack nor an error") }
        if traffic.sent == 0 { result.failures.append("nothing was sent in the measured window") }
        if !drained { result.failures.append("not everything arrived before the drain timed out") }
        if let sequence = result.sequence, !sequence.isClean {
            result.failures.append(
                "stream check: \(sequence.missing) missing, \(sequence.duplicates) duplicates, \(sequence.outOfOrder) out of order"
            )
        }
        let errors = result.errors.values.reduce(0, +)
        if errors > 0 {
            result.failures.append("errors: " + result.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        let closes = snapshot.closes.values.reduce(0, +)
        if closes > 0 {
            result.failures.append("sockets closed by the server: " + snapshot.closes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if snapshot.unreadable > 0 { result.failures.append("\(snapshot.unreadable) frames could not be read") }
        result.passed = result.failures.isEmpty
    }

    /// Adds the series, writes `--json` and `--html`, prints the summary; returns the result.
    public func finish(_ result: RunResult) async throws -> RunResult {
        var result = result
        result.series = await monitor.currentSeries()
        result.passed = result.failures.isEmpty
        if let path = options.jsonPath {
            try ResultWriter.writeJSON(result, to: path)
        }
        if let path = options.htmlPath {
            try ResultWriter.write(HTMLReport.render(result), to: path)
        }
        print(TextSummary.render(result))
        return result
    }
}
