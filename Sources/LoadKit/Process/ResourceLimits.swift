#if canImport(Glibc)
import Glibc
#endif

/// Open-file limits: every connection is a file descriptor.
public enum ResourceLimits {
    /// Descriptors the harness needs besides its connections (event loops, REST calls, /proc reads).
    public static let reserve = 64

    /// Raises the soft `RLIMIT_NOFILE` to the hard limit and checks that `connections` fit; returns
    /// the limit now in force. A process may not raise its hard limit, so past it the run stops
    /// with a message that says so.
    @discardableResult
    public static func raiseOpenFiles(for connections: Int) throws -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Int.max }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let available = limit.rlim_cur == rlim_t.max ? Int.max : Int(limit.rlim_cur)
        if connections + reserve > available {
            throw LoadError(
                .limit,
                "\(connections) connections need about \(connections + reserve) open files, but this process may open at most "
                    + "\(available) (hard limit \(limit.rlim_max == rlim_t.max ? "unlimited" : String(limit.rlim_max)), which only root "
                    + "can raise, e.g. with 'ulimit -Hn'); use at most \(max(0, available - reserve)) clients per harness process, "
                    + "or run several harness processes"
            )
        }
        return available
    }
}

extension ResourceLimits {
    /// Sets the nice value of the calling thread, which the threads it starts afterwards inherit
    /// (on Linux, nice is per thread). On a machine shared with the servers, a negative value
    /// keeps the harness from waiting for a CPU, so that its own waiting does not show up as
    /// server latency. Lowering it needs CAP_SYS_NICE (root).
    public static func setNice(_ value: Int32) throws {
        guard value != 0 else { return }
        guard (-20...19).contains(value) else { throw LoadError.badArgument("--nice must be between -20 and 19") }
        guard setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, value) == 0 else {
            throw LoadError(.limit, "cannot set nice \(value): \(String(cString: strerror(errno))) (a negative value needs root or CAP_SYS_NICE)")
        }
    }
}
