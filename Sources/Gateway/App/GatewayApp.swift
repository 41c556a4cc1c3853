import ClusterKit
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PostgresNIO
import Prometheus

/// The long-lived parts of a gateway, built from its configuration.
struct GatewayComponents: Sendable {
    let config: GatewayConfig
    let logger: Logger
    let metrics: PrometheusCollectorRegistry
    /// Every metric of the gateway, made once from `metrics` and handed to the code that counts.
    let counters: GatewayMetrics
    let postgres: PostgresClient
    let redis: RedisClient
    let subscriber: RedisSubscriber
    let tokens: TokenService
    let registry: ConnectionRegistry
    /// The batched outbound path of the WebSockets, one writer per event loop.
    let loopWriters: LoopWriters
    let ring: RingWatcher
    let workers: WorkerClient
    let hub: RoomHub
    let database: Database
    let drain: GatewayDrain
    let heartbeat: Heartbeat
    /// This process's id on the bus: `NODE_ID` plus a per-process suffix, so that a restarted
    /// gateway is a new member and the presence of its previous run is dropped by the workers.
    let instanceID: String
    /// The open-file limit the connection caps were derived from (read once, at start).
    let openFiles: Int?

    init(config: GatewayConfig, logger: Logger, metrics: PrometheusCollectorRegistry) async {
        self.config = config
        self.logger = logger
        self.metrics = metrics
        let counters = GatewayMetrics(registry: metrics)
        self.counters = counters
        self.postgres = PostgresClient(url: config.node.databaseURL, poolSize: config.node.databasePoolSize, logger: logger)
        self.redis = RedisClient(url: config.node.redisURL, logger: logger, metrics: counters.node.redisCommands)
        let instanceID = "\(config.node.nodeID).\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        self.instanceID = instanceID
        let openFiles = ProcessBootstrap.openFileLimit()
        self.openFiles = openFiles
        let registry = ConnectionRegistry(
            maxConnections: config.webSocketLimit(openFiles: openFiles), maxPerUser: config.maxWebSocketsPerUser,
            openSockets: counters.openWebSockets
        )
        let inbox = ClusterInbox(registry: registry, logger: logger)
        self.registry = registry
        self.loopWriters = LoopWriters(flushInterval: config.flushInterval, metrics: counters)
        self.subscriber = RedisSubscriber(
            url: config.node.redisURL, logger: logger, metrics: counters.node.redisSubscriber,
            onConnectionChange: { inbox.connectionChanged($0) },
            onMessage: { inbox.handle(channel: $0, payload: $1) }
        )
        for channel in [config.node.names.revocations, config.node.names.membership, config.node.names.gateway(instanceID)] {
            subscriber.subscribe(channel)
        }
        self.tokens = await TokenService(secret: config.jwtSecret, lifetime: config.tokenTTL)
        self.database = Database(client: postgres, timeout: config.storageTimeout, logger: logger, failures: counters.node.postgres)
        self.ring = RingWatcher(
            membership: Membership(redis: redis, names: config.node.names), logger: logger, members: counters.node.ringMembers
        ) { ring in
            inbox.ringChanged(ring)
        }
        self.workers = WorkerClient(
            gatewayID: instanceID, redis: redis, names: config.node.names, ring: ring, timeout: config.requestTimeout,
            requestDuration: counters.workerRequestDuration
        )
        self.hub = RoomHub(
            subscriber: subscriber, names: config.node.names, history: PostgresRoomStore(database: database),
            workers: workers, ring: ring, logger: logger
        )
        inbox.attach(workers: workers, hub: hub, ring: ring)
        self.drain = GatewayDrain(registry: registry, logger: logger)
        self.heartbeat = Heartbeat(
            membership: Membership(redis: redis, names: config.node.names, kind: .gateways), nodeID: instanceID, logger: logger
        )
    }

    /// How long a close handshake waits for the client's answer before the socket is closed.
    static let closeTimeoutSeconds: Int64 = 2

    /// Token revocation, shared by REST and WebSocket authentication.
    var revocations: RevocationStore {
        RevocationStore(
            redis: redis, postgres: PostgresRevocations(database: database), names: config.node.names,
            userMarkerLifetime: config.tokenTTL + .seconds(3600)
        )
    }

    /// Token checks, shared by REST and WebSocket upgrades.
    var authenticator: Authenticator {
        Authenticator(tokens: tokens, revocations: revocations, storageTimeout: config.storageTimeout)
    }

    /// Admits and opens WebSockets (`GET /v1/ws`).
    func makeAcceptor() -> WebSocketAcceptor {
        var protocolConfiguration = WebSocketStateMachine.Configuration()
        protocolConfiguration.maxMessageBytes = config.maxFrameBytes
        protocolConfiguration.maxFragments = config.maxFragments
        protocolConfiguration.pingInterval = TimeAmount(config.pingInterval)
        protocolConfiguration.pongTimeout = TimeAmount(config.pongTimeout)
        protocolConfiguration.closeTimeout = .seconds(Self.closeTimeoutSeconds)
        return WebSocketAcceptor(
            authenticator: authenticator, admission: Admission(rate: config.acceptPerSecond, burst: config.acceptBurst),
            registry: registry, loopWriters: loopWriters,
            services: ChatSession.Services(
                workers: workers, hub: hub, history: PostgresRoomStore(database: database), registry: registry,
                maxJoinsInProgress: config.maxJoinsInProgress, metrics: counters, logger: logger
            ),
            protocolConfiguration: protocolConfiguration, outboundBufferBytes: config.outboundBufferBytes,
            ratePerSecond: config.rateLimitPerSecond, rateBurst: config.rateLimitBurst
        )
    }

    /// Every route of the gateway.
    func makeRouter() -> Router<GatewayRequestContext> {
        let users = PostgresUserStore(database: database)
        let subscriber = self.subscriber
        let authenticator = self.authenticator
        let revocations = self.revocations

        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: ErrorMiddleware(unavailable: counters.unavailableREST))
        router.add(middleware: ForwardedAddressMiddleware(trusted: config.trustedProxies))
        router.add(middleware: CORSMiddleware(allowedOrigins: config.corsAllowedOrigins))
        router.add(middleware: MetricsMiddleware())

        OperationsRoutes(
            readiness: ReadinessProbe(redis: redis, postgres: postgres, logger: logger) { [ring, drain, heartbeat] in
                subscriber.isConnected && ring.isLoaded && heartbeat.hasAnnounced && !drain.isDraining
            },
            metrics: metrics
        ).add(to: router)
        router.get("v1/openapi.yaml") { _, _ in try OpenAPIDocument.response() }
        WebAssets.bundled.add(to: router)  // the browser client, at / and /web/...
        // A plain GET without an upgrade: a bad token (401), else 400.
        router.get("v1/ws") { request, _ -> Response in
            let token = Authenticator.bearerToken(request.headers[.authorization]) ?? request.uri.queryParameters.get("token")
            guard let token, !token.isEmpty else { throw APIError(.unauthorized, "missing token: use Authorization: Bearer or ?token=") }
            _ = try await authenticator.identity(for: token)
            throw APIError(.badRequest, "this endpoint needs a WebSocket upgrade")
        }

        let auth = AuthRoutes(
            users: users, tokens: tokens,
            passwords: PasswordHasher(log2N: config.scryptLog2N, maxPending: config.maxPendingPasswordHashes),
            revocations: revocations,
            limiter: LoginLimiter(perAddressPerMinute: config.loginPerAddressPerMinute, perAccountPerMinute: config.loginPerAccountPerMinute),
            maxBodyBytes: config.maxBodyBytes
        )
        auth.addPublic(to: router.group("v1/auth"))
        let authenticated = router.group("v1").add(middleware: AuthMiddleware(authenticator: authenticator))
        auth.addAuthenticated(to: authenticated.group("auth"))
        let participants = PostgresParticipantStore(database: database)
        DirectMessageRoutes(participants: participants, maxBodyBytes: config.maxBodyBytes)
            .add(dms: authenticated.group("dms"), users: authenticated.group("users"))
        UserRoutes(users: users, revocations: revocations).add(to: authenticated.group("users"))
        RoomRoutes(
            rooms: PostgresRoomStore(database: database),
            participants: participants,
            presence: RoomPresence(redis: redis, timeout: config.storageTimeout, names: config.node.names),
            events: RoomEvents(redis: redis, workers: workers, names: config.node.names),
            maxBodyBytes: config.maxBodyBytes
        ).add(to: authenticated.group("rooms"))
        return router
    }
}

/// The composition root of a gateway, used by `main` and by the tests: the application, and the
/// drain that `main` runs after it (so that SIGTERM reaches the drain first).
///
/// Services start in dependency order (Postgres, Redis, the subscriber, the ring, the room hub,
/// then the HTTP server, after migrations) and stop in reverse, so a draining server can still
/// reach storage.
func buildGateway(
    config: GatewayConfig,
    logger: Logger,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) async -> (app: some ApplicationProtocol, drain: GatewayDrain) {
    let components = await GatewayComponents(config: config, logger: logger, metrics: metrics)
    let postgres = components.postgres
    let openFiles = components.openFiles
    let acceptor = components.makeAcceptor()
    let channel = GatewayChannel.Configuration(headerTimeout: TimeAmount(config.headerTimeout), idleTimeout: config.httpIdleTimeout)
    let connectionLimit = config.connectionLimit(openFiles: openFiles)
    logger.info("connection limits", metadata: [
        "open_files": "\(openFiles.map(String.init) ?? "unknown")", "connections": "\(connectionLimit)",
        "websockets": "\(components.registry.maxConnections)", "websockets_per_user": "\(config.maxWebSocketsPerUser)",
    ])
    var app = Application(
        router: components.makeRouter(),
        server: HTTPServerBuilder { responder in GatewayChannel(responder: responder, configuration: channel, acceptor: acceptor) },
        configuration: .init(
            address: .hostname(config.node.host, port: config.node.port), serverName: "chorus-gateway",
            availableConnectionsDelegate: ConnectionCap(limit: connectionLimit, logger: logger, gauge: components.counters.openConnections)
        ),
        services: [
            components.postgres, components.redis, components.subscriber, components.ring, components.heartbeat, components.hub,
            RevocationSync(store: components.revocations, registry: components.registry, logger: logger),
        ],
        onServerRunning: { channel in
            logger.notice("gateway listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
        },
        logger: logger
    )
    app.beforeServerStarts {
        try await Migrator().migrate(postgres, logger: logger)
    }
    return (app, components.drain)
}
