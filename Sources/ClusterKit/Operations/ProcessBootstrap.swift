#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Metrics
import Prometheus

/// What every executable does first: read its configuration, set up logging and metrics.
public enum ProcessBootstrap {
    /// Reads `file` (or `CHORUS_CONFIG`) plus the environment and builds a configuration with `make`.
    /// On a `ConfigError`, prints one line naming the setting to stderr and exits with status 1.
    public static func loadConfig<Config>(
        kind: String, file: String?, _ make: (ConfigSource, Int32) throws -> Config
    ) -> Config {
        let environment = ProcessInfo.processInfo.environment
        do {
            let source = try ConfigSource(file: file ?? environment["CHORUS_CONFIG"], environment: environment)
            return try make(source, getpid())
        } catch {
            FileHandle.standardError.write(Data("\(kind): \(error)\n".utf8))
            exit(1)
        }
    }

    /// Logs to stderr at `level`; returns the process's logger.
    public static func bootstrapLogging(label: String, nodeID: String, level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: label)
        logger[metadataKey: "node"] = "\(nodeID)"
        return logger
    }

    /// Raises the soft open-file limit (`RLIMIT_NOFILE`) to the hard limit and returns the limit
    /// now in force. Every WebSocket is a descriptor, so this is what caps a gateway's connections;
    /// nothing in Chorus caps lower. Raising the hard limit is the operator's part (`ulimit -Hn`,
    /// systemd `LimitNOFILE=`, a container's `--ulimit nofile=`): see README, "Open files".
    @discardableResult
    public static func raiseOpenFileLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return UInt64(limit.rlim_cur)
    }

    /// The current soft limit on open files (`RLIMIT_NOFILE`), at most `Int.max`; `nil` if unknown.
    public static func openFileLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return limit.rlim_cur >= UInt64(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// Routes swift-metrics to a Prometheus registry and returns it (served at `/metrics`).
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
