import ArgumentParser
import ClusterKit
import Hummingbird
import ServiceLifecycle

/// The gateway executable: REST API and WebSockets, stateless, any number behind a load balancer.
@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Gateway",
        abstract: "Chorus gateway: terminates the REST API and WebSockets and routes rooms to their workers.",
        discussion: "Settings come from the config file (KEY=value lines) and the environment; the environment wins. See README.md."
    )

    @Option(name: .long, help: "Config file (KEY=value lines); default: $CHORUS_CONFIG, else none.")
    var config: String?

    func run() async throws {
        let config = ProcessBootstrap.loadConfig(kind: "gateway", file: self.config) { source, pid in
            try GatewayConfig(from: source, processID: pid)
        }
        let logger = ProcessBootstrap.bootstrapLogging(label: "chorus.gateway", nodeID: config.node.nodeID, level: config.node.logLevel)
        let metrics = ProcessBootstrap.bootstrapMetrics()
        let openFiles = ProcessBootstrap.raiseOpenFileLimit()
        logger.info("open-file limit", metadata: ["nofile": "\(openFiles)"])
        let (app, drain) = await buildGateway(config: config, logger: logger, metrics: metrics)
        // The drain runs after the application, so SIGTERM reaches it first: sockets close with
        // 1001 while the server and storage are still up.
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: app), .init(service: drain)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }
}
