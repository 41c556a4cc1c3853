import ClusterKit
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import PostgresNIO
import Prometheus

/// The long-lived parts of a gateway, built from its configuration.
struct GatewayComponents: Sendable {
    let config: GatewayConfig
    let logger: Logger
    let metrics: PrometheusCollectorRegistry
    let postgres: PostgresClient
    let redis: RedisClient
    let subscriber: RedisSubscriber
    let tokens: TokenService

    init(config: GatewayConfig, logger: Logger, metrics: PrometheusCollectorRegistry) async {
        self.config = config
        self.logger = logger
        self.metrics = metrics
        self.postgres = PostgresClient(url: config.node.databaseURL, poolSize: config.node.databasePoolSize, logger: logger)
        self.redis = RedisClient(url: config.node.redisURL, logger: logger)
        self.subscriber = RedisSubscriber(url: config.node.redisURL, logger: logger) { channel, payload in
            do {
                let message = try ClusterMessage(decoding: payload)
                logger.debug("cluster message", metadata: ["channel": "\(channel)", "message": "\(message)"])
            } catch {
                logger.warning("undecodable cluster message", metadata: ["channel": "\(channel)", "error": "\(error)"])
            }
        }
        self.subscriber.subscribe(ChannelNames.revocations)
        self.tokens = await TokenService(secret: config.jwtSecret, lifetime: config.tokenTTL)
    }

    /// Every route of the gateway.
    func makeRouter() -> Router<GatewayRequestContext> {
        let database = Database(client: postgres, timeout: config.storageTimeout, logger: logger)
        let revocations = RevocationStore(redis: redis, userMarkerLifetime: config.tokenTTL + .seconds(3600))
        let authenticator = Authenticator(tokens: tokens, revocations: revocations, storageTimeout: config.storageTimeout)
        let users = PostgresUserStore(database: database)
        let subscriber = self.subscriber

        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: CORSMiddleware(allowedOrigins: config.corsAllowedOrigins))
        router.add(middleware: MetricsMiddleware())

        OperationsRoutes(
            readiness: ReadinessProbe(redis: redis, postgres: postgres, logger: logger) { subscriber.isConnected },
            metrics: metrics
        ).add(to: router)
        router.get("v1/openapi.yaml") { _, _ in try OpenAPIDocument.response() }

        let auth = AuthRoutes(
            users: users, tokens: tokens,
            passwords: PasswordHasher(log2N: config.scryptLog2N, maxPending: config.maxPendingPasswordHashes),
            revocations: revocations, maxBodyBytes: config.maxBodyBytes
        )
        auth.addPublic(to: router.group("v1/auth"))
        let authenticated = router.group("v1").add(middleware: AuthMiddleware(authenticator: authenticator))
        auth.addAuthenticated(to: authenticated.group("auth"))
        UserRoutes(users: users, revocations: revocations).add(to: authenticated.group("users"))
        RoomRoutes(
            rooms: PostgresRoomStore(database: database),
            presence: RoomPresence(redis: redis, timeout: config.storageTimeout),
            maxBodyBytes: config.maxBodyBytes
        ).add(to: authenticated.group("rooms"))
        return router
    }
}

/// The composition root of a gateway, used by `main` and by the tests.
///
/// Services start in dependency order (Postgres, Redis, the revocation subscriber, then the HTTP
/// server, after migrations) and stop in reverse, so a draining server can still reach storage.
func buildGateway(
    config: GatewayConfig,
    logger: Logger,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) async -> some ApplicationProtocol {
    let components = await GatewayComponents(config: config, logger: logger, metrics: metrics)
    let postgres = components.postgres
    var app = Application(
        router: components.makeRouter(),
        configuration: .init(address: .hostname(config.node.host, port: config.node.port), serverName: "chorus-gateway"),
        services: [components.postgres, components.redis, components.subscriber],
        onServerRunning: { channel in
            logger.info("gateway listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
        },
        logger: logger
    )
    app.beforeServerStarts {
        try await Migrator().migrate(postgres, logger: logger)
    }
    return app
}
