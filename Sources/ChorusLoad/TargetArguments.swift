import ArgumentParser
import Foundation
import LoadKit

extension TargetOptions.Accounts: ExpressibleByArgument {}

/// The options every scenario shares: where the cluster is, how to authenticate, what to measure,
/// where to write the results.
struct TargetArguments: ParsableArguments {
    @Option(name: .customLong("gateway"), help: ArgumentHelp("A gateway's base URL (repeatable); connections are spread over all.", valueName: "URL"))
    var gateways: [String] = []

    @Option(name: .customLong("cluster-status"), help: ArgumentHelp("JSON of 'scripts/cluster status --json' (- for stdin): gateways and server pids.", valueName: "FILE"))
    var clusterStatus: String?

    @Option(name: .customLong("jwt-secret"), help: "The cluster's JWT secret for minted tokens (default: $JWT_SECRET).")
    var jwtSecret: String?

    @Option(help: "minted: tokens minted for synthetic users; senders: senders registered through the API; all: every client registered (slow, no secret needed).")
    var accounts: TargetOptions.Accounts = .minted

    @Option(name: .customLong("pid"), help: ArgumentHelp("A server process to measure (repeatable; adds to the cluster status's).", valueName: "PID"))
    var pids: [Int32] = []

    @Option(help: "Event-loop threads of the harness.")
    var threads: Int = 1

    @Option(help: "Nice value of the harness's threads; negative (root) keeps the harness from waiting for a CPU taken by the servers on the same machine.")
    var nice: Int32 = 0

    @Option(name: .customLong("source-addresses"), help: "Spread connections over this many loopback source addresses 127.0.0.2… (default: 1 per 25,000 connections past 25,000).")
    var sourceAddresses: Int?

    @Option(name: .customLong("connect-concurrency"), help: "Connections being opened at once.")
    var connectConcurrency: Int = 256

    @Option(name: .customLong("user-id-base"), help: "Minted user ids are this + client number.")
    var userIDBase: Int64 = 1_000_000_000

    @Option(help: ArgumentHelp("Write the result as JSON here.", valueName: "PATH"))
    var json: String?

    @Option(help: ArgumentHelp("Write a self-contained HTML report here.", valueName: "PATH"))
    var html: String?

    @Flag(help: "No progress line on stderr.")
    var quiet = false

    func validate() throws {
        if gateways.isEmpty && clusterStatus == nil {
            throw ValidationError("give the cluster: --gateway URL (repeatable) or --cluster-status FILE")
        }
        if threads < 1 || threads > 64 { throw ValidationError("--threads must be between 1 and 64") }
        if connectConcurrency < 1 { throw ValidationError("--connect-concurrency must be at least 1") }
        if let sourceAddresses, sourceAddresses < 0 { throw ValidationError("--source-addresses must not be negative") }
    }

    /// The target, reading the cluster status file if given.
    func makeTarget() throws -> TargetOptions {
        var gatewayURLs = gateways
        var servers: [ServerProcess] = []
        if let clusterStatus {
            let status = try Runner.clusterStatus(at: clusterStatus)
            if gatewayURLs.isEmpty { gatewayURLs = status.gatewayURLs }
            servers = status.serverProcesses
            if gatewayURLs.isEmpty { throw LoadError.badArgument("the cluster status lists no gateway: is the cluster up?") }
        }
        for pid in pids where !servers.contains(where: { $0.pid == pid }) {
            servers.append(ServerProcess(name: "pid-\(pid)", pid: pid))
        }
        return TargetOptions(
            gateways: try gatewayURLs.map(GatewayAddress.init(url:)), servers: servers,
            jwtSecret: jwtSecret ?? ProcessInfo.processInfo.environment["JWT_SECRET"], accounts: accounts, threads: threads,
            nice: nice, sourceAddresses: sourceAddresses, connectConcurrency: connectConcurrency, userIDBase: userIDBase, progress: !quiet,
            jsonPath: json, htmlPath: html
        )
    }
}
