import ArgumentParser
import LoadKit

struct Fanout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fixed-rate fan-out: senders send at --rate in total, every room member receives every message of its room.",
        discussion: "Standard: --clients 2000 --rooms 20 --rate 1000 --payload 100 (2,000 clients in 20 rooms of 100: 100,000 deliveries/s)."
    )

    @OptionGroup var target: TargetArguments
    @OptionGroup var traffic: TrafficArguments

    func run() async throws {
        let targetOptions = try Runner.options { try target.makeTarget() }
        let trafficOptions = try Runner.options { try traffic.make() }
        try await Runner.execute(scenario: "fanout", target: targetOptions, connections: trafficOptions.layout.clients) { driver in
            try await FanoutScenario.run(driver, traffic: trafficOptions)
        }
    }
}
