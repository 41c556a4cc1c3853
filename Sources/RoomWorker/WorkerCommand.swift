import ArgumentParser
import ClusterKit
import Hummingbird

/// The RoomWorker executable: owns rooms, sequences and stores their messages, fans them out.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "RoomWorker",
        abstract: "Chorus room worker: owns rooms by consistent hashing, assigns seqs, stores and fans out messages.",
        discussion: "Settings come from the config file (KEY=value lines) and the environment; the environment wins. See README.md."
    )

    @Option(name: .long, help: "Config file (KEY=value lines); default: $CHORUS_CONFIG, else none.")
    var config: String?

    func run() async throws {
        let config = ProcessBootstrap.loadConfig(kind: "worker", file: self.config) { source, pid in
            try WorkerConfig(from: source, processID: pid)
        }
        let logger = ProcessBootstrap.bootstrapLogging(label: "chorus.worker", nodeID: config.node.nodeID, level: config.node.logLevel)
        let metrics = ProcessBootstrap.bootstrapMetrics()
        try await buildWorker(config: config, logger: logger, metrics: metrics).app.runService()
    }
}
