/// Configuration of a Gateway process.
///
/// Read with `GatewayConfig(from:)` from `config/gateway.env` plus the environment; tests build it in code.
public struct GatewayConfig: Sendable {
    /// Settings shared by every node kind.
    public var node: NodeSettings
    /// HS256 key for tokens (`JWT_SECRET`), at least 32 bytes; required.
    public var jwtSecret: String
    /// Lifetime of an issued token (`TOKEN_TTL_SECONDS`, default 86400).
    public var tokenTTL: Duration
    /// Largest accepted REST request body (`MAX_BODY_BYTES`, default 65536); larger gets 413.
    public var maxBodyBytes: Int
    /// Origins allowed by CORS (`CORS_ALLOWED_ORIGINS`, comma-separated, `*` for any; default `*`).
    public var corsAllowedOrigins: [String]
    /// Load balancers whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`, addresses or
    /// CIDR blocks; default none): per-address limits then count the forwarded address.
    public var trustedProxies: TrustedProxies
    /// scrypt cost as log2(N) (`SCRYPT_LOG2N`, default 17, i.e. N = 131072, r = 8, p = 1: OWASP's
    /// guidance; each hash holds 128 MiB while it runs).
    public var scryptLog2N: Int
    /// Password hashes allowed to wait for a hashing thread (`MAX_PENDING_PASSWORD_HASHES`, default 64);
    /// past that, register and login answer 429 instead of queueing without bound.
    public var maxPendingPasswordHashes: Int
    /// Logins and registrations one client address may try per minute, as a burst that refills
    /// evenly (`LOGIN_PER_ADDRESS_PER_MIN`, default 30); past it: 429. One client cannot use up the
    /// hashing budget that every user shares.
    public var loginPerAddressPerMinute: Int
    /// Logins one account may be tried with per minute (`LOGIN_PER_ACCOUNT_PER_MIN`, default 10);
    /// past it: 429, for every client (password guessing against one account).
    public var loginPerAccountPerMinute: Int
    /// Longest wait for Postgres or Redis inside one request before it answers 503 (`STORAGE_TIMEOUT_MS`, default 5000).
    public var storageTimeout: Duration

    /// Largest WebSocket frame accepted (`WS_MAX_FRAME_BYTES`, default 65536); larger closes with 1009.
    public var maxFrameBytes: Int
    /// Bytes queued for one WebSocket client before it counts as a slow consumer and is closed with
    /// 4008 (`WS_OUTBOUND_BUFFER_BYTES`, default 1048576).
    public var outboundBufferBytes: Int
    /// How long frames for WebSocket clients may wait to be written together (`WS_FLUSH_INTERVAL_MS`,
    /// default 0). 0 writes as soon as the socket's event loop is free (frames that pile up while it
    /// is busy still leave together); a few milliseconds trade that much latency for fewer, larger
    /// socket writes when each client receives many messages per second.
    public var flushInterval: Duration
    /// Frames per second one connection may send, sustained (`WS_RATE_PER_SEC`, default 50) ...
    public var rateLimitPerSecond: Double
    /// ... and in a burst (`WS_RATE_BURST`, default 100); beyond that, `rate_limited`.
    public var rateLimitBurst: Double
    /// Joins of one connection whose answer or history replay is still coming
    /// (`WS_MAX_JOINS_IN_PROGRESS`, default 16); beyond, a join gets `rate_limited`.
    public var maxJoinsInProgress: Int
    /// New WebSocket connections admitted per second, sustained (`WS_ACCEPT_PER_SEC`, default 2000)
    /// and in a burst (`WS_ACCEPT_BURST`, default 4000); beyond, the upgrade gets 503 + `Retry-After`.
    public var acceptPerSecond: Double
    public var acceptBurst: Double
    /// Open TCP connections (REST and WebSocket) at which the gateway stops accepting more until
    /// one closes (`MAX_CONNECTIONS`; default 0: the open-file limit minus `reservedFileDescriptors`).
    /// New clients wait in the listen backlog meanwhile; the process keeps descriptors for storage,
    /// Redis and the runtime, so reaching it never kills the gateway.
    public var maxConnections: Int
    /// Open WebSockets at which upgrades get 503 + `Retry-After: 1` (`WS_MAX_CONNECTIONS`;
    /// default 0: `maxConnections` minus 128, so that REST, `/healthz` and `/metrics` still get in).
    public var maxWebSockets: Int
    /// Open WebSockets of one user on one gateway; past it, upgrades get 429
    /// (`WS_MAX_CONNECTIONS_PER_USER`, default 32).
    public var maxWebSocketsPerUser: Int
    /// Longest wait for a new connection's first complete request head (`HTTP_HEADER_TIMEOUT_MS`,
    /// default 10000); then the connection is closed. Slow or silent clients hold nothing longer.
    public var headerTimeout: Duration
    /// Longest idle time of a keep-alive REST connection between requests (`HTTP_IDLE_TIMEOUT_MS`, default 60000).
    public var httpIdleTimeout: Duration
    /// Inbound silence on a WebSocket after which the server pings it (`WS_PING_INTERVAL_MS`, default 30000) ...
    public var pingInterval: Duration
    /// ... and how long it then waits for any frame before dropping the connection (`WS_PONG_TIMEOUT_MS`, default 30000).
    public var pongTimeout: Duration
    /// Most fragments of one WebSocket message (`WS_MAX_FRAGMENTS`, default 1024); more closes with 1008.
    public var maxFragments: Int
    /// How long the gateway waits for a room's owner to answer (`REQUEST_TIMEOUT_MS`, default 5000)
    /// before answering `unavailable`.
    public var requestTimeout: Duration

    /// The smallest accepted `JWT_SECRET`, in bytes (HS256 keys shorter than the hash are weak, and jwt-kit traps on them).
    public static let minimumSecretBytes = 32

    public init(
        node: NodeSettings,
        jwtSecret: String,
        tokenTTL: Duration = .seconds(86_400),
        maxBodyBytes: Int = 65_536,
        corsAllowedOrigins: [String] = ["*"],
        trustedProxies: TrustedProxies = .none,
        scryptLog2N: Int = 17,
        maxPendingPasswordHashes: Int = 64,
        loginPerAddressPerMinute: Int = 30,
        loginPerAccountPerMinute: Int = 10,
        storageTimeout: Duration = .seconds(5),
        maxFrameBytes: Int = 65_536,
        outboundBufferBytes: Int = 1 << 20,
        flushInterval: Duration = .zero,
        rateLimitPerSecond: Double = 50,
        rateLimitBurst: Double = 100,
        maxJoinsInProgress: Int = 16,
        requestTimeout: Duration = .seconds(5),
        acceptPerSecond: Double = 2_000,
        acceptBurst: Double = 4_000,
        maxConnections: Int = 0,
        maxWebSockets: Int = 0,
        maxWebSocketsPerUser: Int = 32,
        headerTimeout: Duration = .seconds(10),
        httpIdleTimeout: Duration = .seconds(60),
        pingInterval: Duration = .seconds(30),
        pongTimeout: Duration = .seconds(30),
        maxFragments: Int = 1_024
    ) throws {
        guard jwtSecret.utf8.count >= Self.minimumSecretBytes else {
            throw ConfigError(
                setting: "JWT_SECRET",
                reason: "must be at least \(Self.minimumSecretBytes) bytes (got \(jwtSecret.utf8.count))"
            )
        }
        self.node = node
        self.jwtSecret = jwtSecret
        self.tokenTTL = tokenTTL
        self.maxBodyBytes = maxBodyBytes
        self.corsAllowedOrigins = corsAllowedOrigins
        self.trustedProxies = trustedProxies
        self.scryptLog2N = scryptLog2N
        self.maxPendingPasswordHashes = maxPendingPasswordHashes
        self.loginPerAddressPerMinute = loginPerAddressPerMinute
        self.loginPerAccountPerMinute = loginPerAccountPerMinute
        self.storageTimeout = storageTimeout
        self.maxFrameBytes = maxFrameBytes
        self.outboundBufferBytes = outboundBufferBytes
        self.flushInterval = flushInterval
        self.rateLimitPerSecond = rateLimitPerSecond
        self.rateLimitBurst = rateLimitBurst
        self.maxJoinsInProgress = maxJoinsInProgress
        self.requestTimeout = requestTimeout
        self.acceptPerSecond = acceptPerSecond
        self.acceptBurst = acceptBurst
        self.maxConnections = maxConnections
        self.maxWebSockets = maxWebSockets
        self.maxWebSocketsPerUser = maxWebSocketsPerUser
        self.headerTimeout = headerTimeout
        self.httpIdleTimeout = httpIdleTimeout
        self.pingInterval = pingInterval
        self.pongTimeout = pongTimeout
        self.maxFragments = maxFragments
    }

    /// Descriptors kept for the process itself when `maxConnections` is derived from the open-file limit.
    public static let reservedFileDescriptors = 256
    /// Connections kept for REST (and `/healthz`) when `maxWebSockets` is derived.
    public static let reservedForHTTP = 128

    /// `maxConnections`, or the default for an open-file limit of `openFiles`.
    public func connectionLimit(openFiles: Int?) -> Int {
        if maxConnections > 0 { return maxConnections }
        guard let openFiles, openFiles < Int.max / 2 else { return 1_000_000 }
        return max(64, openFiles - Self.reservedFileDescriptors)
    }

    /// `maxWebSockets`, or the default below `connectionLimit`.
    public func webSocketLimit(openFiles: Int?) -> Int {
        if maxWebSockets > 0 { return maxWebSockets }
        let connections = connectionLimit(openFiles: openFiles)
        return max(32, connections - min(Self.reservedForHTTP, connections / 2))
    }

    /// Reads every setting from `source`, validating each.
    public init(from source: ConfigSource, processID: Int32) throws {
        try self.init(
            node: NodeSettings(from: source, kind: "gateway", defaultPort: 8080, processID: processID),
            jwtSecret: source.required("JWT_SECRET"),
            tokenTTL: .seconds(try source.int("TOKEN_TTL_SECONDS", default: 86_400, in: 60...31_536_000)),
            maxBodyBytes: try source.int("MAX_BODY_BYTES", default: 65_536, in: 1_024...16_777_216),
            corsAllowedOrigins: source.list("CORS_ALLOWED_ORIGINS", default: ["*"]),
            trustedProxies: try TrustedProxies(source.list("TRUSTED_PROXIES", default: [])),
            scryptLog2N: try source.int("SCRYPT_LOG2N", default: 17, in: 10...20),
            maxPendingPasswordHashes: try source.int("MAX_PENDING_PASSWORD_HASHES", default: 64, in: 1...100_000),
            loginPerAddressPerMinute: try source.int("LOGIN_PER_ADDRESS_PER_MIN", default: 30, in: 1...1_000_000),
            loginPerAccountPerMinute: try source.int("LOGIN_PER_ACCOUNT_PER_MIN", default: 10, in: 1...1_000_000),
            storageTimeout: try source.milliseconds("STORAGE_TIMEOUT_MS", default: 5_000, in: 100...120_000),
            maxFrameBytes: try source.int("WS_MAX_FRAME_BYTES", default: 65_536, in: 1_024...16_777_216),
            outboundBufferBytes: try source.int("WS_OUTBOUND_BUFFER_BYTES", default: 1 << 20, in: 4_096...1 << 30),
            flushInterval: .milliseconds(try source.int("WS_FLUSH_INTERVAL_MS", default: 0, in: 0...1_000)),
            rateLimitPerSecond: Double(try source.int("WS_RATE_PER_SEC", default: 50, in: 1...1_000_000)),
            rateLimitBurst: Double(try source.int("WS_RATE_BURST", default: 100, in: 1...1_000_000)),
            maxJoinsInProgress: try source.int("WS_MAX_JOINS_IN_PROGRESS", default: 16, in: 1...100_000),
            requestTimeout: try source.milliseconds("REQUEST_TIMEOUT_MS", default: 5_000, in: 100...120_000),
            acceptPerSecond: Double(try source.int("WS_ACCEPT_PER_SEC", default: 2_000, in: 1...10_000_000)),
            acceptBurst: Double(try source.int("WS_ACCEPT_BURST", default: 4_000, in: 1...10_000_000)),
            maxConnections: try source.int("MAX_CONNECTIONS", default: 0, in: 0...100_000_000),
            maxWebSockets: try source.int("WS_MAX_CONNECTIONS", default: 0, in: 0...100_000_000),
            maxWebSocketsPerUser: try source.int("WS_MAX_CONNECTIONS_PER_USER", default: 32, in: 1...1_000_000),
            headerTimeout: try source.milliseconds("HTTP_HEADER_TIMEOUT_MS", default: 10_000, in: 100...600_000),
            httpIdleTimeout: try source.milliseconds("HTTP_IDLE_TIMEOUT_MS", default: 60_000, in: 100...3_600_000),
            pingInterval: try source.milliseconds("WS_PING_INTERVAL_MS", default: 30_000, in: 100...3_600_000),
            pongTimeout: try source.milliseconds("WS_PONG_TIMEOUT_MS", default: 30_000, in: 100...3_600_000),
            maxFragments: try source.int("WS_MAX_FRAGMENTS", default: 1_024, in: 1...1_000_000)
        )
    }
}
