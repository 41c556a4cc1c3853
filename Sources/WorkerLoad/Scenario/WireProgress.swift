import Foundation
import LoadKit
import NIOCore

/// Once per second: the client's counters, the servers' CPU by role, a `SecondSample` for the
/// series and a progress line on stderr.
actor WireProgress {
    private let client: NIOLoopBound<WireLoadClient>
    private let eventLoop: any EventLoop
    private let sampler: ProcessSampler
    private let printsProgress: Bool
    private let startNanos: UInt64
    private var phase = "setup"
    private(set) var series: [SecondSample] = []
    private var last: (nanos: UInt64, sent: Int, acked: Int64, failed: Int64, ticks: [UInt64], ownCPU: Double)

    init(client: NIOLoopBound<WireLoadClient>, eventLoop: any EventLoop, sampler: ProcessSampler, printsProgress: Bool, startNanos: UInt64) {
        self.client = client
        self.eventLoop = eventLoop
        self.sampler = sampler
        self.printsProgress = printsProgress
        self.startNanos = startNanos
        last = (startNanos, 0, 0, 0, sampler.sample().map(\.cpuTicks), ProcessSampler.ownCPUSeconds())
    }

    func setPhase(_ phase: String) { self.phase = phase }

    /// Ticks every second until cancelled.
    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if Task.isCancelled { return }
            await tick()
        }
    }

    private func tick() async {
        let client = self.client
        guard
            let counts = try? await eventLoop.submit({ () -> (Int, Int64, Int64, Int, LatencyHistogram) in
                let ledger = client.value.ledger
                return (ledger.sent, ledger.acked, ledger.failed.values.reduce(0, +), ledger.outstanding, client.value.takeIntervalLatency())
            }).get()
        else { return }
        let (sent, acked, failed, outstanding, latency) = counts
        let now = NIODeadline.now().uptimeNanoseconds
        let seconds = max(0.001, Double(now - last.nanos) / 1e9)
        let ticks = sampler.sample().map(\.cpuTicks)
        let own = ProcessSampler.ownCPUSeconds()
        var byRole: [String: Double] = [:]
        for (target, (now, before)) in zip(sampler.targets, zip(ticks, last.ticks)) where now >= before {
            byRole[target.role, default: 0] += Double(now - before) / ProcessSampler.ticksPerSecond / seconds * 100
        }
        var sample = SecondSample(t: Double(now - startNanos) / 1e9, phase: phase)
        sample.sent = Int64(sent - last.sent)
        sample.acked = acked - last.acked
        sample.errors = failed - last.failed
        sample.ack = latency.summary
        sample.serverCPUPercent = sampler.targets.isEmpty ? nil : byRole.values.reduce(0, +)
        sample.clientCPUPercent = (own - last.ownCPU) / seconds * 100
        series.append(sample)
        last = (now, sent, acked, failed, ticks, own)
        guard printsProgress else { return }
        var parts = [
            "worker-store \(String(format: "%5.0f", sample.t))s \(phase)",
            "acked \(Format.decimal(Double(sample.acked) / seconds, 0))/s", "in flight \(outstanding)",
        ]
        if latency.count > 0 {
            parts.append("ack p50 \(Format.micros(sample.ack.p50Micros)) p99 \(Format.micros(sample.ack.p99Micros))")
        }
        if sample.errors > 0 { parts.append("errors \(sample.errors)") }
        let roles = ["worker", "postgres", "redis", "gateway"].filter { byRole[$0] != nil }
        parts.append(roles.map { "\($0) \(Int(byRole[$0]!.rounded()))%" }.joined(separator: " "))
        parts.append("harness \(Int(sample.clientCPUPercent.rounded()))%")
        FileHandle.standardError.write(Data((parts.joined(separator: "  ") + "\n").utf8))
    }
}
