import Foundation
import NIOCore

/// Once per second: takes the loops' interval counters, reads server and harness CPU, appends a
/// `SecondSample` to the series and prints a progress line on stderr.
public actor Monitor {
    private let group: ClientGroup
    private let sampler: ProcessSampler
    private let printsProgress: Bool
    private let label: String
    /// Monotonic start of the run.
    public nonisolated let startNanos: UInt64
    private var phase = "setup"
    private var note = ""
    private(set) var series: [SecondSample] = []
    private var connects = 0
    private var connectLatency = LatencyHistogram()
    private var lastTick: UInt64
    private var lastServerTicks: UInt64?
    private var lastOwnCPU: Double
    private var lastThreadCPU: [Double]
    private var lastThreadWait: [Double]

    public init(group: ClientGroup, sampler: ProcessSampler, label: String, printsProgress: Bool, startNanos: UInt64) {
        self.group = group
        self.sampler = sampler
        self.label = label
        self.printsProgress = printsProgress
        self.startNanos = startNanos
        self.lastTick = startNanos
        self.lastOwnCPU = ProcessSampler.ownCPUSeconds()
        self.lastThreadCPU = group.threadIDs.map { ProcessSampler.threadCPUSeconds(tid: $0) ?? 0 }
        self.lastThreadWait = group.threadIDs.map { ProcessSampler.threadWaitSeconds(tid: $0) ?? 0 }
    }

    /// The label of the seconds from now on.
    public func setPhase(_ phase: String, note: String = "") {
        self.phase = phase
        self.note = note
    }

    /// Extra text for the progress line (e.g. `joined 1200/2000`).
    public func setNote(_ note: String) {
        self.note = note
    }

    /// A client finished connecting (and joining) after `nanos`.
    public func recordConnect(nanos: UInt64) {
        connects += 1
        connectLatency.record(nanoseconds: nanos)
    }

    public func currentSeries() -> [SecondSample] { series }

    /// Ticks every second until cancelled.
    public func run() async {
        var next = startNanos + 1_000_000_000
        while !Task.isCancelled {
            let now = NIODeadline.now().uptimeNanoseconds
            if next > now {
                try? await Task.sleep(nanoseconds: next - now)
                if Task.isCancelled { return }
            }
            await tick()
            next += 1_000_000_000
            // After a long stall, do not tick several times in a row.
            let after = NIODeadline.now().uptimeNanoseconds
            if next < after { next = after + 1_000_000_000 - (after - startNanos) % 1_000_000_000 }
        }
    }

    private func tick() async {
        let interval = await group.takeInterval()
        let open = await group.openConnections()
        let now = NIODeadline.now().uptimeNanoseconds
        let seconds = max(0.001, Double(now - lastTick) / 1e9)
        lastTick = now
        var sample = SecondSample(t: Double(now - startNanos) / 1e9, phase: phase)
        sample.connections = open
        sample.connects = connects
        sample.connect = connectLatency.summary
        connects = 0
        connectLatency = LatencyHistogram()
        sample.sent = interval.sent
        sample.acked = interval.acked
        sample.refused = interval.refused
        sample.delivered = interval.delivered
        sample.errors = interval.errorCount
        sample.delivery = interval.deliveryLatency.summary
        sample.ack = interval.ackLatency.summary
        sample.lagMaxMicros = interval.scheduleLag.summary.maxMicros
        if !sampler.targets.isEmpty {
            let ticks = sampler.sample().reduce(UInt64(0)) { $0 + $1.cpuTicks }
            if let last = lastServerTicks, ticks >= last {
                sample.serverCPUPercent = Double(ticks - last) / ProcessSampler.ticksPerSecond / seconds * 100
            }
            lastServerTicks = ticks
        }
        let own = ProcessSampler.ownCPUSeconds()
        sample.clientCPUPercent = (own - lastOwnCPU) / seconds * 100
        lastOwnCPU = own
        let threads = group.threadIDs.map { ProcessSampler.threadCPUSeconds(tid: $0) ?? 0 }
        sample.busiestLoopCPUPercent = zip(threads, lastThreadCPU).map { ($0 - $1) / seconds * 100 }.max() ?? 0
        lastThreadCPU = threads
        let waits = group.threadIDs.map { ProcessSampler.threadWaitSeconds(tid: $0) ?? 0 }
        sample.loopWaitPercent = zip(waits, lastThreadWait).map { ($0 - $1) / seconds * 100 }.max() ?? 0
        lastThreadWait = waits
        series.append(sample)
        if printsProgress { FileHandle.standardError.write(Data((progressLine(sample) + "\n").utf8)) }
    }

    private func progressLine(_ s: SecondSample) -> String {
        var parts = ["\(label) \(String(format: "%5.0f", s.t))s \(phase)", "conns \(s.connections)"]
        if s.connects > 0 { parts.append("+\(s.connects)/s connect p99 \(Format.micros(s.connect.p99Micros))") }
        if s.sent > 0 || s.delivered > 0 {
            parts.append("sent \(s.sent)/s acked \(s.acked)/s delivered \(s.delivered)/s")
            if s.delivery.count > 0 { parts.append("p50 \(Format.micros(s.delivery.p50Micros)) p99 \(Format.micros(s.delivery.p99Micros))") }
        }
        if s.errors > 0 { parts.append("errors \(s.errors)") }
        if let server = s.serverCPUPercent { parts.append("server cpu \(Int(server.rounded()))%") }
        parts.append("harness cpu \(Int(s.clientCPUPercent.rounded()))%")
        if s.loopWaitPercent >= 10 { parts.append("harness waited for cpu \(Int(s.loopWaitPercent.rounded()))%") }
        if !note.isEmpty { parts.append(note) }
        return parts.joined(separator: "  ")
    }
}
