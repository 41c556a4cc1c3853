import ArgumentParser
import LoadKit

struct ConnectStorm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect-storm",
        abstract: "N clients connect and join as fast as possible (or at --connect-rate): p99 of connect+join time, achieved rate, 503s.",
        discussion: "A 503 from the gateways' admission limit (WS_ACCEPT_PER_SEC) is retried after Retry-After and counted; the time includes it."
    )

    @OptionGroup var target: TargetArguments

    @Option(help: "Clients.")
    var connections: Int = 5000

    @Option(help: "Rooms they join (default: one per 100 clients).")
    var rooms: Int?

    @Option(name: .customLong("connect-rate"), help: "Connection starts per second (default: as fast as --connect-concurrency allows).")
    var connectRate: Double?

    func run() async throws {
        let targetOptions = try Runner.options { try target.makeTarget() }
        let stormOptions = try Runner.options {
            try ConnectStormScenario.Options(connections: connections, rooms: rooms, rate: connectRate, concurrency: target.connectConcurrency)
        }
        try await Runner.execute(scenario: "connect-storm", target: targetOptions, connections: stormOptions.connections) { driver in
            try await ConnectStormScenario.run(driver, storm: stormOptions)
        }
    }
}
