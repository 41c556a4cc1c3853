import Logging

/// Settings every Chorus process has, whatever its kind.
public struct NodeSettings: Sendable {
    /// This node's id in the cluster (`NODE_ID`); unique per process. Default: `<kind>-<pid>`.
    public var nodeID: String
    /// Address the HTTP server binds to (`HOST`, default `0.0.0.0`).
    public var host: String
    /// Port the HTTP server binds to (`PORT`); 0 picks a free one (tests).
    public var port: Int
    /// Postgres (`DATABASE_URL`, default `postgres://chorus@127.0.0.1:5432/chorus`).
    public var databaseURL: PostgresURL
    /// Connections in this process's Postgres pool (`DATABASE_POOL_SIZE`, default 10).
    public var databasePoolSize: Int
    /// Redis (`REDIS_URL`, default `redis://127.0.0.1:6379`).
    public var redisURL: RedisURL
    /// Log level (`LOG_LEVEL`: trace, debug, info, notice, warning, error, critical; default info).
    public var logLevel: Logger.Level
    /// Prefix of every Redis key and channel (`CLUSTER_NAME`, default `chorus`): clusters with
    /// different names can share one Redis.
    public var clusterName: String

    /// The Redis names of this node's cluster.
    public var names: ChannelNames { ChannelNames(cluster: clusterName) }

    public init(
        nodeID: String,
        host: String = "127.0.0.1",
        port: Int = 0,
        databaseURL: PostgresURL,
        databasePoolSize: Int = 10,
        redisURL: RedisURL,
        logLevel: Logger.Level = .info,
        clusterName: String = "chorus"
    ) {
        self.nodeID = nodeID
        self.host = host
        self.port = port
        self.databaseURL = databaseURL
        self.databasePoolSize = databasePoolSize
        self.redisURL = redisURL
        self.logLevel = logLevel
        self.clusterName = clusterName
    }

    /// Reads the shared settings; `kind` is used for the default node id.
    public init(from source: ConfigSource, kind: String, defaultPort: Int, processID: Int32) throws {
        let nodeID = source.string("NODE_ID", default: "\(kind)-\(processID)")
        guard nodeID.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }), nodeID.count <= 64 else {
            throw ConfigError(setting: "NODE_ID", reason: "use at most 64 of [A-Za-z0-9._-]")
        }
        let clusterName = source.string("CLUSTER_NAME", default: "chorus")
        guard !clusterName.isEmpty, clusterName.count <= 64,
            clusterName.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." })
        else {
            throw ConfigError(setting: "CLUSTER_NAME", reason: "use 1-64 of [A-Za-z0-9._-]")
        }
        let levelName = source.string("LOG_LEVEL", default: "info").lowercased()
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ConfigError(setting: "LOG_LEVEL", reason: "'\(levelName)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        self.init(
            nodeID: nodeID,
            host: source.string("HOST", default: "0.0.0.0"),
            port: try source.int("PORT", default: defaultPort, in: 0...65535),
            databaseURL: try PostgresURL(source.string("DATABASE_URL", default: "postgres://chorus@127.0.0.1:5432/chorus")),
            databasePoolSize: try source.int("DATABASE_POOL_SIZE", default: 10, in: 1...500),
            redisURL: try RedisURL(source.string("REDIS_URL", default: "redis://127.0.0.1:6379")),
            logLevel: level,
            clusterName: clusterName
        )
    }
}
