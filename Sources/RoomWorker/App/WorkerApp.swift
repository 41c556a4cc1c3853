import ClusterKit
import Hummingbird
import Logging
import PostgresNIO
import Prometheus

/// The composition root of a RoomWorker, used by `main` and by the tests; returns the application
/// and its worker service (which the in-process tests inspect).
///
/// Services start in dependency order (Postgres, Redis, the request subscriber, the worker's
/// cluster life, then the HTTP server after migrations) and stop in reverse.
func buildWorker(
    config: WorkerConfig,
    logger: Logger,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) -> (app: some ApplicationProtocol, worker: WorkerService<ContinuousClock>) {
    let counters = WorkerMetrics(registry: metrics)
    let postgres = PostgresClient(url: config.node.databaseURL, poolSize: config.node.databasePoolSize, logger: logger)
    let redis = RedisClient(url: config.node.redisURL, logger: logger, metrics: counters.node.redisCommands)
    let worker = WorkerService(
        config: config, redis: redis, store: WorkerStore(client: postgres, logger: logger), clock: ContinuousClock(), logger: logger,
        metrics: counters
    )
    let subscriber = RedisSubscriber(url: config.node.redisURL, logger: logger, metrics: counters.node.redisSubscriber) { channel, payload in
        worker.handle(channel: channel, payload: payload)
    }
    subscriber.subscribe(config.node.names.worker(config.node.nodeID))
    subscriber.subscribe(config.node.names.membership)

    let router = Router()
    OperationsRoutes(
        readiness: ReadinessProbe(redis: redis, postgres: postgres, logger: logger) { subscriber.isConnected && worker.isJoined },
        metrics: metrics
    ).add(to: router)

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(config.node.host, port: config.node.port), serverName: "chorus-worker"),
        services: [postgres, redis, subscriber, worker],
        onServerRunning: { channel in
            logger.notice("worker listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
        },
        logger: logger
    )
    app.beforeServerStarts {
        try await Migrator().migrate(postgres, logger: logger)
    }
    return (app, worker)
}
