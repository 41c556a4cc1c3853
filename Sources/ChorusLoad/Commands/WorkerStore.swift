import ArgumentParser
import Foundation
import LoadKit
import WorkerLoad

#if canImport(Glibc)
import Glibc
#endif

struct WorkerStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker-store",
        abstract: "Stored messages per second of the room workers, driven over the inter-node wire (Redis), without gateways.",
        discussion: """
            Acts as a gateway on the cluster's Redis: creates --rooms rooms through the REST API, then publishes send requests \
            to each room's owner worker (by the ring of the live workers) with --window requests outstanding, for --warmup + \
            --duration seconds, and waits up to --drain seconds for the last answers. Reports acked msgs/s per worker, ack \
            latency, errors by code, the servers' CPU and RSS, and checks in Postgres that every acked message is stored exactly \
            once with its acked seq. Use a cluster with one worker (scripts/cluster up --workers 1), or --worker ID.

            Example:
              scripts/cluster status --json > /tmp/status.json
              chorus-load worker-store --cluster-status /tmp/status.json --rooms 1000 --window 5000 --warmup 5 --duration 15
            """
    )

    @Option(name: .customLong("cluster-status"), help: ArgumentHelp("JSON of 'scripts/cluster status --json' (- for stdin).", valueName: "FILE"))
    var clusterStatus: String

    @Option(name: .customLong("redis-url"), help: "The cluster's Redis (default: $REDIS_URL, else the cluster status's if it is not masked).")
    var redisURL: String?

    @Option(name: .customLong("database-url"), help: "The cluster's Postgres, for the check (default: $DATABASE_URL, else the cluster status's if it is not masked).")
    var databaseURL: String?

    @Option(name: .customLong("cluster-name"), help: "The cluster's CLUSTER_NAME.")
    var clusterName: String = "chorus"

    @Option(name: .customLong("worker"), help: ArgumentHelp("Use only rooms this worker owns (repeatable; default: every live worker).", valueName: "ID"))
    var workers: [String] = []

    @Option(help: "Rooms the messages go to, round-robin.")
    var rooms: Int = 1000

    @Option(help: "Distinct sending users (synthetic ids).")
    var users: Int = 100

    @Option(help: "Requests outstanding at once.")
    var window: Int = 5000

    @Option(help: "Content bytes per message.")
    var payload: Int = 100

    @Option(help: "Seconds of traffic before measuring.")
    var warmup: Double = 5

    @Option(help: "Measured seconds.")
    var duration: Double = 15

    @Option(help: "Longest wait for the last answers after the window, seconds.")
    var drain: Double = 15

    @Flag(name: .customLong("no-check"), help: "Do not check the stored rows in Postgres.")
    var noCheck = false

    @Option(help: ArgumentHelp("Write the result as JSON here.", valueName: "PATH"))
    var json: String?

    @Option(help: ArgumentHelp("Write a self-contained HTML report here.", valueName: "PATH"))
    var html: String?

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let options = try Runner.options {
            return try WorkerStoreOptions(
                status: try Runner.clusterStatus(at: clusterStatus), redisURL: redisURL, databaseURL: databaseURL, check: !noCheck, clusterName: clusterName,
                rooms: rooms, users: users, window: window, payload: payload, warmup: warmup, duration: duration, drain: drain,
                onlyWorkers: workers, progress: !quiet, jsonPath: json, htmlPath: html
            )
        }
        let result: RunResult
        do {
            result = try await WorkerStoreScenario.run(options)
            if let path = options.jsonPath { try ResultWriter.writeJSON(result, to: path) }
            if let path = options.htmlPath { try ResultWriter.write(HTMLReport.render(result), to: path) }
        } catch let error as LoadError {
            FileHandle.standardError.write(Data("chorus-load: error: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
        print(TextSummary.render(result))
        if !result.passed { throw ExitCode(1) }
    }
}
