import Foundation

/// The fields of `/proc/PID/stat` and `/proc/PID/status` the harness uses, parsed from text so
/// that the parsing is tested with fixed inputs.
public struct ProcStat: Sendable, Equatable {
    public var pid: Int32
    public var parentPID: Int32
    /// User + system CPU of the process itself, in clock ticks.
    public var cpuTicks: UInt64
    /// CPU of its children that exited and were waited for, in clock ticks.
    public var childrenCPUTicks: UInt64

    public init(pid: Int32, parentPID: Int32, cpuTicks: UInt64, childrenCPUTicks: UInt64) {
        self.pid = pid
        self.parentPID = parentPID
        self.cpuTicks = cpuTicks
        self.childrenCPUTicks = childrenCPUTicks
    }

    /// Parses a `stat` line. The command name (field 2) is in parentheses and may hold spaces or
    /// parentheses itself, so the fields are counted from its last `)`.
    public static func parse(_ text: String) -> ProcStat? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"),
            let pid = Int32(text[..<open].trimmingCharacters(in: .whitespaces))
        else { return nil }
        // After ")": state(3) ppid(4) pgrp(5) session(6) tty(7) tpgid(8) flags(9) minflt(10)
        // cminflt(11) majflt(12) cmajflt(13) utime(14) stime(15) cutime(16) cstime(17) ...
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 15, let parent = Int32(fields[1]),
            let utime = UInt64(fields[11]), let stime = UInt64(fields[12]),
            let cutime = UInt64(fields[13]), let cstime = UInt64(fields[14])
        else { return nil }
        return ProcStat(pid: pid, parentPID: parent, cpuTicks: utime + stime, childrenCPUTicks: cutime + cstime)
    }

    /// `VmRSS` and `VmHWM` (peak RSS) of a `status` file, in bytes.
    public static func memory(status text: String) -> (rss: UInt64, peak: UInt64)? {
        var rss: UInt64?
        var peak: UInt64?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { rss = kilobytes(line) }
            if line.hasPrefix("VmHWM:") { peak = kilobytes(line) }
        }
        guard let rss, let peak else { return nil }
        return (rss, peak)
    }

    private static func kilobytes(_ line: Substring) -> UInt64? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, let value = UInt64(parts[1]) else { return nil }
        return value * 1024
    }
}
