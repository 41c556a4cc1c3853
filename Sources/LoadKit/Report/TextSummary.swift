/// The human summary printed on stdout at the end of a run.
public enum TextSummary {
    public static func render(_ result: RunResult) -> String {
        var lines: [String] = []
        lines.append("chorus-load \(result.scenario): \(result.passed ? "PASSED" : "FAILED")   started \(result.startedAt)")
        lines.append("gateways: \(result.gateways.joined(separator: " "))")
        lines.append("parameters: " + result.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        lines.append("connections: \(Format.count(result.connections))")
        if let traffic = result.traffic { lines += trafficLines(traffic) }
        if let sequence = result.sequence {
            lines.append(
                "streams: \(Format.count(sequence.streams)) checked, \(Format.count(sequence.complete)) complete; missing \(sequence.missing), "
                    + "duplicates \(sequence.duplicates), out of order \(sequence.outOfOrder), gap events \(sequence.gapEvents)"
            )
            for example in sequence.examples { lines.append("  " + example) }
        }
        lines.append("errors: " + (result.errors.isEmpty ? "none" : result.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        if !result.closes.isEmpty {
            lines.append("closed by server: " + result.closes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if let ramp = result.ramp { lines += rampLines(ramp) }
        if let idle = result.idle { lines += idleLines(idle) }
        if let storm = result.connectStorm { lines += stormLines(storm) }
        if let resume = result.resume { lines += resumeLines(resume) }
        if let store = result.workerStore { lines += workerStoreLines(store) }
        if !result.servers.isEmpty { lines += serverLines(result) }
        if let client = result.client {
            lines.append(
                "harness: cpu \(Format.decimal(client.cpuPercent, 0))% of a core (\(client.threads) event loop(s): "
                    + client.loopThreadCPUPercent.map { Format.decimal($0, 0) + "%" }.joined(separator: ", ")
                    + ", waiting for a CPU " + client.loopThreadWaitPercent.map { Format.decimal($0, 0) + "%" }.joined(separator: ", ")
                    + "), rss \(Format.bytes(Double(client.rssBytes))), peak \(Format.bytes(Double(client.peakRSSBytes)))"
                    + (client.bottleneck ? "  ** POSSIBLE HARNESS BOTTLENECK **" : "")
            )
        }
        for warning in result.warnings { lines.append("warning: " + warning) }
        for failure in result.failures { lines.append("FAILED: " + failure) }
        return lines.joined(separator: "\n")
    }

    static func latencyLine(_ name: String, _ summary: LatencySummary) -> String {
        guard summary.count > 0 else { return "  \(name): no samples" }
        return "  \(name): p50 \(Format.micros(summary.p50Micros))  p90 \(Format.micros(summary.p90Micros))  "
            + "p99 \(Format.micros(summary.p99Micros))  p99.9 \(Format.micros(summary.p999Micros))  max \(Format.micros(summary.maxMicros))  "
            + "(\(Format.count(summary.count)) samples)"
    }

    static func trafficLines(_ traffic: TrafficSummary) -> [String] {
        [
            "traffic (\(Format.decimal(traffic.windowSeconds)) s measured):",
            "  sent \(Format.count(traffic.sent)) (\(Format.decimal(traffic.sendRate)) msgs/s)  acked \(Format.count(traffic.acked))  "
                + "refused \(traffic.refused)  unanswered \(traffic.unanswered)"
                + (traffic.retried > 0 ? "  resent after unavailable \(Format.count(traffic.retried))" : "")
                + (traffic.skipped > 0 ? "  skipped \(Format.count(traffic.skipped)) (the pacer fell > 1 s behind)" : ""),
            "  delivered \(Format.count(traffic.delivered)) of \(Format.count(traffic.expectedDeliveries)) expected "
                + "(\(Format.decimal(traffic.deliveryRatio * 100, 3))%)"
                + (traffic.replayed > 0 ? ", \(Format.count(traffic.replayed)) of them replayed" : "")
                + "; \(Format.decimal(traffic.deliveriesPerSecond, 0)) deliveries/s",
            latencyLine("ack latency     ", traffic.ackLatency),
            latencyLine("delivery latency", traffic.deliveryLatency),
            "  send schedule lag: p99 \(Format.micros(traffic.scheduleLag.p99Micros)), max \(Format.micros(traffic.scheduleLag.maxMicros))",
        ]
    }

    static func serverLines(_ result: RunResult) -> [String] {
        var lines = ["servers (measured window):"]
        func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
        lines.append("  " + pad("process", 14) + pad("pid", 9) + pad("cpu s", 10) + pad("cpu %", 9) + pad("rss", 12) + pad("peak rss", 12) + "procs")
        for server in result.servers {
            lines.append(
                "  " + pad(server.name, 14) + pad(String(server.pid), 9) + pad(Format.decimal(server.cpuSeconds, 2), 10)
                    + pad(Format.decimal(server.cpuPercent) + "%", 9) + pad(Format.bytes(Double(server.rssBytes)), 12)
                    + pad(Format.bytes(Double(server.peakRSSBytes)), 12) + String(server.processCount) + (server.alive ? "" : "  (gone)")
            )
        }
        let total = result.servers.reduce(0) { $0 + $1.cpuSeconds }
        let percent = result.servers.reduce(0) { $0 + $1.cpuPercent }
        lines.append("  " + pad("total", 23) + pad(Format.decimal(total, 2), 10) + Format.decimal(percent) + "%")
        if let perDelivery = result.serverCPUMicrosPerDelivery {
            let what = result.workerStore == nil ? "delivered" : "stored"
            lines.append("server CPU per \(what) message: \(Format.decimal(perDelivery, 2)) µs")
        }
        return lines
    }

    static func rampLines(_ ramp: RampResult) -> [String] {
        var lines = ["ramp (pass: delivery ≥ \(ramp.minDeliveryPercent)% and p99 ≤ \(Format.decimal(ramp.p99BoundMillis)) ms):"]
        for step in ramp.steps {
            lines.append(
                "  \(Format.decimal(step.rate, 0)) msgs/s: sent \(Format.decimal(step.traffic.sendRate, 0))/s, delivered "
                    + "\(Format.decimal(step.traffic.deliveryRatio * 100, 3))%, \(Format.decimal(step.traffic.deliveriesPerSecond, 0))/s, "
                    + "p99 \(Format.micros(step.traffic.deliveryLatency.p99Micros))"
                    + (step.serverCPUMicrosPerDelivery.map { ", \(Format.decimal($0, 2)) server µs/delivery" } ?? "")
                    + ": " + (step.passed ? "pass" : "FAIL (" + step.reasons.joined(separator: "; ") + ")")
                    + (step.harnessLimited ? " [harness-limited]" : "")
            )
        }
        lines.append("highest passing rate: " + (ramp.highestPassingRate.map { Format.decimal($0, 0) + " msgs/s" } ?? "none"))
        return lines
    }

    static func idleLines(_ idle: IdleResult) -> [String] {
        [
            "idle: \(Format.count(idle.joined)) of \(Format.count(idle.requested)) joined, \(Format.count(idle.openAtEnd)) open after "
                + "\(Format.decimal(idle.holdSeconds)) s",
            "  gateway memory per connection: " + (idle.gatewayBytesPerConnection.map { Format.bytes($0) } ?? "n/a (no gateway pids)")
                + "  (RSS growth: " + idle.gatewayRSSDelta.sorted { $0.key < $1.key }.map { "\($0.key) \(Format.bytes(Double($0.value)))" }
                .joined(separator: ", ") + ")",
            "  all servers per connection: " + (idle.serverBytesPerConnection.map { Format.bytes($0) } ?? "n/a")
                + "; harness per connection: \(Format.bytes(idle.clientBytesPerConnection))",
        ]
    }

    static func stormLines(_ storm: ConnectStormResult) -> [String] {
        [
            "connect-storm: \(Format.count(storm.joined)) of \(Format.count(storm.requested)) joined in \(Format.decimal(storm.seconds, 2)) s "
                + "(\(Format.decimal(storm.connectsPerSecond, 0))/s" + (storm.targetRate.map { ", target \(Format.decimal($0, 0))/s" } ?? "")
                + "), failed \(storm.failed), HTTP 503 retried \(storm.refused503)",
            latencyLine("connect+join", storm.connectJoin),
        ]
    }

    static func resumeLines(_ resume: ResumeResult) -> [String] {
        [
            "resume: \(resume.disconnected) disconnected for \(Format.decimal(resume.offlineSeconds)) s, \(resume.resumed) resumed, "
                + "\(Format.count(resume.replayed)) messages replayed; resumed streams complete \(resume.resumedStreamsComplete)/\(resume.resumedStreams)",
            latencyLine("reconnect+join", resume.resumeLatency),
        ]
    }

    static func workerStoreLines(_ store: WorkerStoreResult) -> [String] {
        var lines = [
            "worker-store (\(Format.decimal(store.windowSeconds)) s measured after \(Format.decimal(store.warmupSeconds)) s warm-up; "
                + "\(store.rooms) rooms, \(store.users) users, window \(Format.count(store.window)), \(store.payloadBytes)-byte content):",
            "  acked \(Format.count(store.ackedInWindow)) in the window: \(Format.decimal(store.ackedPerSecond, 0)) stored msgs/s",
        ]
        for worker in store.workers {
            lines.append(
                "    \(worker.worker): \(Format.decimal(worker.ackedPerSecond, 0)) msgs/s (\(Format.count(worker.acked)) acked, \(worker.rooms) rooms)"
            )
        }
        lines.append(latencyLine("ack latency", store.ackLatency))
        lines.append(
            "  whole run: sent \(Format.count(store.sent)), acked \(Format.count(store.acked)), unanswered \(store.unanswered)"
                + (store.strayReplies > 0 ? ", stray replies \(store.strayReplies)" : "")
        )
        if let check = store.check {
            lines.append(
                "  stored: \(Format.count(check.storedRows)) rows; acked stored once with their seq \(Format.count(check.ackedStoredOnce)) of "
                    + "\(Format.count(check.acked)); missing \(check.ackedMissing), wrong seq \(check.ackedWrongSeq), duplicates "
                    + "\(check.duplicateRows), foreign \(check.foreignRows), rooms with holes \(check.brokenRooms), stored but not acked "
                    + "\(check.storedNotAcked)"
            )
            for example in check.examples { lines.append("    " + example) }
        } else {
            lines.append("  stored: not checked (--no-check)")
        }
        return lines
    }
}
