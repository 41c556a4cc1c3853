import ClusterKit
import Hummingbird
import Logging
import PostgresNIO
import Prometheus

/// The composition root of a RoomWorker, used by `main` and by the tests.
///
/// For now the worker migrates the schema and serves `/healthz`, `/readyz` and `/metrics`; room
/// ownership, sequencing and fan-out come with the real-time path.
func buildWorker(
    config: WorkerConfig,
    logger: Logger,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) -> some ApplicationProtocol {
    let postgres = PostgresClient(url: config.node.databaseURL, poolSize: config.node.databasePoolSize, logger: logger)
    let redis = RedisClient(url: config.node.redisURL, logger: logger)

    let router = Router()
    OperationsRoutes(
        readiness: ReadinessProbe(redis: redis, postgres: postgres, logger: logger) { redis.isConnected },
        metrics: metrics
    ).add(to: router)

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(config.node.host, port: config.node.port), serverName: "chorus-worker"),
        services: [postgres, redis],
        onServerRunning: { channel in
            logger.info("worker listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
        },
        logger: logger
    )
    app.beforeServerStarts {
        try await Migrator().migrate(postgres, logger: logger)
    }
    return app
}
