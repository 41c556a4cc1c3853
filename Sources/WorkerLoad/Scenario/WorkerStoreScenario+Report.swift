import Foundation
import LoadKit

extension WorkerStoreScenario {
    /// The run's result and verdict: it passes when every acked message is stored once with its
    /// seq, rooms have no holes, and no send failed or went unanswered.
    static func report(
        _ options: WorkerStoreOptions, placement: Placement, ledger: SendLedger, unanswered: Int, check: StoreCheck?, start: WindowSample,
        end: WindowSample
    ) -> RunResult {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var result = RunResult(
            scenario: "worker-store", startedAt: formatter.string(from: Date()),
            parameters: [
                "rooms": String(options.rooms), "users": String(options.users), "window": String(options.window),
                "payload": String(options.payload), "warmup": Format.decimal(options.warmup), "duration": Format.decimal(options.duration),
                "cluster_name": options.clusterName,
            ].merging(options.onlyWorkers.isEmpty ? [:] : ["workers": options.onlyWorkers.joined(separator: ",")]) { $1 },
            gateways: options.status.gatewayURLs
        )
        let seconds = max(0.001, Double(end.nanos - start.nanos) / 1e9)
        let windowSeconds = ledger.measure.seconds
        var roomsPerWorker = Array(repeating: 0, count: placement.workers.count)
        for owner in placement.owners { roomsPerWorker[owner] += 1 }
        result.workerStore = WorkerStoreResult(
            rooms: placement.roomIDs.count, users: options.users, window: options.window, payloadBytes: options.payload,
            warmupSeconds: options.warmup, windowSeconds: windowSeconds, sent: Int64(ledger.sent), acked: ledger.acked,
            ackedInWindow: ledger.ackedInWindow, ackedPerSecond: windowSeconds > 0 ? Double(ledger.ackedInWindow) / windowSeconds : 0,
            workers: placement.workers.enumerated().map { index, worker in
                let acked = ledger.ackedInWindowByWorker[index]
                return .init(worker: worker, rooms: roomsPerWorker[index], acked: acked, ackedPerSecond: windowSeconds > 0 ? Double(acked) / windowSeconds : 0)
            },
            ackLatency: ledger.ackLatency.summary, unanswered: Int64(unanswered), strayReplies: ledger.strayReplies, check: check
        )
        result.errors = ledger.failed
        result.servers = zip(options.status.serverProcesses, zip(start.servers, end.servers)).map { process, pair in
            ServerUsage.between(process, pair.0, pair.1, seconds: seconds)
        }
        let serverCPU = result.servers.reduce(0) { $0 + $1.cpuSeconds }
        if ledger.ackedInWindow > 0, !result.servers.isEmpty {
            result.serverCPUMicrosPerDelivery = serverCPU * 1e6 / Double(ledger.ackedInWindow)
        }
        let loopPercent = zip(end.threadCPU, start.threadCPU).map { ($0 - $1) / seconds * 100 }
        let waitPercent = zip(end.threadWait, start.threadWait).map { ($0 - $1) / seconds * 100 }
        let clientCPU = end.ownCPU - start.ownCPU
        let bottleneck = loopPercent.contains { $0 >= 90 } || waitPercent.contains { $0 >= 10 }
        if loopPercent.contains(where: { $0 >= 90 }) {
            result.warnings.append("the harness's event loop used \(Format.decimal(loopPercent.max() ?? 0, 0))% of a core: it may be the bottleneck")
        }
        if waitPercent.contains(where: { $0 >= 10 }) {
            result.warnings.append(
                "the harness's event loop waited \(Format.decimal(waitPercent.max() ?? 0, 0))% of the window for a CPU taken by other processes"
            )
        }
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        if !result.servers.isEmpty, (serverCPU + clientCPU) / seconds >= cores * 0.95 {
            result.warnings.append(
                "the machine's \(Int(cores)) cores were saturated (servers \(Format.decimal(serverCPU / seconds * 100, 0))%, harness "
                    + "\(Format.decimal(clientCPU / seconds * 100, 0))%)"
            )
        }
        result.client = ClientUsage(
            threads: 1, cpuSeconds: clientCPU, cpuPercent: clientCPU / seconds * 100, loopThreadCPUPercent: loopPercent,
            loopThreadWaitPercent: waitPercent, rssBytes: end.ownMemory.rss, peakRSSBytes: end.ownMemory.peak, bottleneck: bottleneck
        )

        if ledger.ackedInWindow == 0 { result.failures.append("nothing was acked in the measured window") }
        let errors = ledger.failed.values.reduce(0, +)
        if errors > 0 {
            result.failures.append("errors: " + ledger.failed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if ledger.strayReplies > 0 { result.failures.append("\(ledger.strayReplies) replies matched no waiting request") }
        if let check, !check.isClean {
            result.failures.append(
                "store check: \(check.ackedMissing) acked but missing, \(check.ackedWrongSeq) with another seq, \(check.duplicateRows) "
                    + "duplicate rows, \(check.foreignRows) foreign rows, \(check.brokenRooms) rooms with holes"
            )
        }
        result.passed = result.failures.isEmpty
        return result
    }
}
