import ArgumentParser
import LoadKit

struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drops K receivers mid-run, keeps sending, reconnects them with since_seq; verifies every message exactly once, in order.",
        discussion: "Standard: --clients 2000 --rooms 20 --rate 1000 --disconnect 200 --offline 3."
    )

    @OptionGroup var target: TargetArguments
    @OptionGroup var traffic: TrafficArguments

    @Option(help: "Receivers to drop.")
    var disconnect: Int = 200

    @Option(help: "Seconds they stay away.")
    var offline: Double = 3

    @Option(name: .customLong("disconnect-at"), help: "Seconds into the measured window when they drop (default: a quarter of --duration).")
    var disconnectAt: Double?

    func run() async throws {
        let targetOptions = try Runner.options { try target.makeTarget() }
        let trafficOptions = try Runner.options { try traffic.make() }
        let resumeOptions = try Runner.options { try ResumeScenario.Options(disconnect: disconnect, offline: offline, at: disconnectAt) }
        try await Runner.execute(scenario: "resume", target: targetOptions, connections: trafficOptions.layout.clients) { driver in
            try await ResumeScenario.run(driver, traffic: trafficOptions, resume: resumeOptions)
        }
    }
}
