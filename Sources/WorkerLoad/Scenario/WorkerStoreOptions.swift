import ClusterKit
import Foundation
import LoadKit

/// The parameters of a `worker-store` run.
public struct WorkerStoreOptions: Sendable {
    /// The cluster: gateways (for the REST set-up), workers and server pids, Redis and Postgres URLs.
    public var status: ClusterStatus
    public var redisURL: RedisURL
    /// Where the stored rows are checked; nil: no check.
    public var databaseURL: PostgresURL?
    /// The cluster's `CLUSTER_NAME` (prefix of its channels).
    public var clusterName: String
    public var rooms: Int
    /// Distinct senders (synthetic user ids; `messages` has no foreign key to `users`).
    public var users: Int
    /// Most requests outstanding at once.
    public var window: Int
    /// Content bytes per message.
    public var payload: Int
    public var warmup: Double
    public var duration: Double
    /// Longest wait for the last answers after the window.
    public var drain: Double
    /// Room owners are the live workers' ring; only these workers' rooms are used (empty: all).
    public var onlyWorkers: [String]
    public var progress: Bool
    public var jsonPath: String?
    public var htmlPath: String?

    /// `redisURL`/`databaseURL` are the options; without one, the URL comes from `environment`
    /// (`REDIS_URL`, `DATABASE_URL`, which `scripts/loadtest` sets from the cluster's `node.env`),
    /// else from the cluster status, unless the status masks its password (`***`).
    public init(
        status: ClusterStatus, redisURL: String?, databaseURL: String?, check: Bool, clusterName: String, rooms: Int, users: Int, window: Int,
        payload: Int, warmup: Double, duration: Double, drain: Double, onlyWorkers: [String], progress: Bool, jsonPath: String?,
        htmlPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        let redis = try Self.serverURL(
            option: redisURL, variable: "REDIS_URL", status: status.redis?.url, environment: environment, what: "Redis", flag: "--redis-url"
        )
        self.status = status
        do {
            self.redisURL = try RedisURL(redis.url, setting: redis.setting)
            if check {
                let database = try Self.serverURL(
                    option: databaseURL, variable: "DATABASE_URL", status: status.postgres?.url, environment: environment,
                    what: "Postgres (to check the stored rows; or --no-check)", flag: "--database-url"
                )
                self.databaseURL = try PostgresURL(database.url, setting: database.setting)
            }
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError.badArgument("\(error)")
        }
        guard !status.gateways.isEmpty else { throw LoadError.badArgument("the cluster status lists no gateway (rooms are created through one)") }
        guard rooms > 0 else { throw LoadError.badArgument("--rooms must be at least 1") }
        guard users > 0 else { throw LoadError.badArgument("--users must be at least 1") }
        guard window > 0 else { throw LoadError.badArgument("--window must be at least 1") }
        guard (1...4096).contains(payload) else { throw LoadError.badArgument("--payload must be 1…4096") }
        guard warmup >= 0, duration > 0, drain >= 0 else { throw LoadError.badArgument("--warmup, --duration, --drain: seconds, duration > 0") }
        self.clusterName = clusterName
        self.rooms = rooms
        self.users = users
        self.window = window
        self.payload = payload
        self.warmup = warmup
        self.duration = duration
        self.drain = drain
        self.onlyWorkers = onlyWorkers
        self.progress = progress
        self.jsonPath = jsonPath
        self.htmlPath = htmlPath
    }

    /// The URL of a server: the option, else the environment variable, else the cluster status's if
    /// it is not masked; with the setting it came from, for errors.
    static func serverURL(
        option: String?, variable: String, status: String?, environment: [String: String], what: String, flag: String
    ) throws -> (url: String, setting: String) {
        if let option, !option.isEmpty { return (option, flag) }
        if let value = environment[variable], !value.isEmpty { return (value, variable) }
        if let status, !status.isEmpty {
            guard !status.contains("***") else {
                throw LoadError.badArgument(
                    "the cluster status masks the password of \(what) (\(status)): give \(flag) or set \(variable) "
                        + "(scripts/cluster keeps both in .run/cluster/node.env, mode 0600; scripts/loadtest sets them from it)"
                )
            }
            return (status, "the cluster status's \(what) URL")
        }
        throw LoadError.badArgument(
            "no \(what): the cluster status has none (external server?): give \(flag) or set \(variable) "
                + "(scripts/cluster keeps both in .run/cluster/node.env, mode 0600)"
        )
    }
}
