import ArgumentParser
import Foundation
import LoadKit

struct Ramp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Steps the rate up until delivery < --min-delivery % or p99 delivery latency > --p99-bound; reports the highest passing rate.",
        discussion: "Each step: --warmup, then --duration measured, then up to --drain for the tail. Default steps 500, 1000, … 5000 msgs/s."
    )

    @OptionGroup var target: TargetArguments
    @OptionGroup var traffic: TrafficArguments

    @Option(name: .customLong("start-rate"), help: "First step, msgs/s.")
    var startRate: Double = 500

    @Option(name: .customLong("step-rate"), help: "Increase per step, msgs/s.")
    var stepRate: Double = 500

    @Option(name: .customLong("max-rate"), help: "Last step at most, msgs/s.")
    var maxRate: Double = 5000

    @Option(help: ArgumentHelp("Explicit steps instead: 500,1000,2000.", valueName: "RATES"))
    var rates: String?

    @Option(name: .customLong("min-delivery"), help: "Pass: delivered / expected at least this, %.")
    var minDelivery: Double = 99.9

    @Option(name: .customLong("p99-bound"), help: "Pass: p99 delivery latency at most this, ms.")
    var p99Bound: Double = 100

    func run() async throws {
        let targetOptions = try Runner.options { try target.makeTarget() }
        let trafficOptions = try Runner.options { try traffic.make() }
        let rampOptions = try Runner.options { () throws -> RampScenario.Options in
            let steps: [Double]
            if let rates {
                steps = try rates.split(separator: ",").map {
                    guard let rate = Double($0.trimmingCharacters(in: .whitespaces)) else { throw LoadError.badArgument("--rates: '\($0)' is not a number") }
                    return rate
                }
            } else {
                steps = try RampScenario.Options.steps(start: startRate, step: stepRate, max: maxRate)
            }
            return try RampScenario.Options(rates: steps, minDeliveryPercent: minDelivery, p99BoundMillis: p99Bound)
        }
        try await Runner.execute(scenario: "ramp", target: targetOptions, connections: trafficOptions.layout.clients) { driver in
            try await RampScenario.run(driver, traffic: trafficOptions, ramp: rampOptions)
        }
    }
}
