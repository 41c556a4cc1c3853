import ArgumentParser
import LoadKit

struct Idle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "N idle joined connections: server memory per connection (gateway RSS growth / N) and idle CPU.",
        discussion: """
            Past 25,000 connections the clients bind loopback source addresses 127.0.0.2, 127.0.0.3, … (--source-addresses) so \
            that the ephemeral ports do not run out. The harness raises its open-file limit to the hard limit and stops with a \
            message if the connections do not fit.
            """
    )

    @OptionGroup var target: TargetArguments

    @Option(help: "Idle connections.")
    var connections: Int = 19_000

    @Option(help: "Rooms they join (default: one per 100 connections).")
    var rooms: Int?

    @Option(help: "Seconds to wait after the last join before reading memory.")
    var settle: Double = 3

    @Option(help: "Seconds to hold the connections afterwards (measuring idle CPU).")
    var hold: Double = 10

    func run() async throws {
        let targetOptions = try Runner.options { try target.makeTarget() }
        let idleOptions = try Runner.options { try IdleScenario.Options(connections: connections, rooms: rooms, settle: settle, hold: hold) }
        try await Runner.execute(scenario: "idle", target: targetOptions, connections: idleOptions.connections) { driver in
            try await IdleScenario.run(driver, idle: idleOptions)
        }
    }
}
