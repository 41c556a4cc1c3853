import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads CPU time and memory of server processes (and of this process) from `/proc`.
///
/// CPU of a tree = the CPU of every live process in it plus the root's counter of exited,
/// waited-for children; the difference of two samples is then right also when a Postgres backend
/// exits between them.
public struct ProcessSampler: Sendable {
    /// One reading of one target.
    public struct Sample: Sendable, Equatable {
        public var alive: Bool
        /// CPU in clock ticks (see `ticksPerSecond`).
        public var cpuTicks: UInt64
        /// Sum of `VmRSS` over the tree, bytes.
        public var rssBytes: UInt64
        /// Sum of `VmHWM` (each process's peak) over the tree, bytes: an upper bound of the tree's peak.
        public var peakBytes: UInt64
        public var processCount: Int

        public static let dead = Sample(alive: false, cpuTicks: 0, rssBytes: 0, peakBytes: 0, processCount: 0)
    }

    public static let ticksPerSecond: Double = Double(sysconf(Int32(_SC_CLK_TCK)))

    public let targets: [ServerProcess]

    public init(targets: [ServerProcess]) {
        self.targets = targets
    }

    /// Reads every target now, in `targets` order.
    public func sample() -> [Sample] {
        let needsTable = targets.contains { $0.includeDescendants }
        let children = needsTable ? Self.childrenTable() : [:]
        return targets.map { target in
            guard let root = Self.stat(target.pid) else { return .dead }
            var pids = [target.pid]
            if target.includeDescendants {
                var queue = [target.pid]
                while let next = queue.popLast() {
                    for child in children[next] ?? [] {
                        pids.append(child)
                        queue.append(child)
                    }
                }
            }
            var sample = Sample(alive: true, cpuTicks: 0, rssBytes: 0, peakBytes: 0, processCount: 0)
            if target.includeDescendants { sample.cpuTicks = root.childrenCPUTicks }
            for pid in pids {
                guard let stat = pid == target.pid ? root : Self.stat(pid) else { continue }
                sample.cpuTicks += stat.cpuTicks
                sample.processCount += 1
                if let memory = Self.memory(pid) {
                    sample.rssBytes += memory.rss
                    sample.peakBytes += memory.peak
                }
            }
            return sample
        }
    }

    /// Whether `pid` is a live process.
    public static func exists(_ pid: Int32) -> Bool {
        stat(pid) != nil
    }

    static func stat(_ pid: Int32) -> ProcStat? {
        read("/proc/\(pid)/stat").flatMap(ProcStat.parse)
    }

    static func memory(_ pid: Int32) -> (rss: UInt64, peak: UInt64)? {
        read("/proc/\(pid)/status").flatMap(ProcStat.memory(status:))
    }

    /// parent pid → child pids, for every process.
    static func childrenTable() -> [Int32: [Int32]] {
        var table: [Int32: [Int32]] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let stat = stat(pid) else { continue }
            table[stat.parentPID, default: []].append(pid)
        }
        return table
    }

    /// CPU seconds of one thread of this process (`/proc/self/task/TID/stat`).
    public static func threadCPUSeconds(tid: Int32) -> Double? {
        read("/proc/self/task/\(tid)/stat").flatMap(ProcStat.parse).map { Double($0.cpuTicks) / ticksPerSecond }
    }

    /// Seconds one thread of this process has waited, runnable, for a CPU
    /// (`/proc/self/task/TID/schedstat`, second field): a harness thread that waits is starved by
    /// the servers on the same cores, and its latencies include the wait.
    public static func threadWaitSeconds(tid: Int32) -> Double? {
        guard let text = read("/proc/self/task/\(tid)/schedstat") else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let wait = UInt64(fields[1]) else { return nil }
        return Double(wait) / 1e9
    }

    /// CPU seconds (user + system) of this whole process, from getrusage (microsecond resolution).
    public static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// This process's memory (RSS, peak RSS) in bytes.
    public static func ownMemory() -> (rss: UInt64, peak: UInt64) {
        read("/proc/self/status").flatMap(ProcStat.memory(status:)) ?? (0, 0)
    }

    /// The kernel thread id of the calling thread.
    public static func currentThreadID() -> Int32 {
        // `gettid` and `syscall` are not imported; /proc/thread-self/stat starts with the tid.
        read("/proc/thread-self/stat").flatMap(ProcStat.parse)?.pid ?? 0
    }

    private static func read(_ path: String) -> String? {
        // /proc files report size 0: read them in chunks.
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        return data.isEmpty ? nil : String(decoding: data, as: UTF8.self)
    }
}
