import Foundation
import Testing

@testable import LoadKit

@Suite struct ResultEncodingTests {
    static func sampleResult() -> RunResult {
        var counters = TrafficCounters()
        counters.sent = 100
        counters.acked = 99
        counters.refused = 1
        counters.expected = 990
        counters.delivered = 990
        for value in 1...990 as ClosedRange<UInt64> { counters.deliveryLatency.recordMicroseconds(value * 10) }
        for value in 1...99 as ClosedRange<UInt64> { counters.ackLatency.recordMicroseconds(value * 20) }
        var result = RunResult(scenario: "fanout", startedAt: "2026-11-22T10:00:00.000Z", parameters: ["clients": "10"], gateways: ["http://127.0.0.1:8081"])
        result.traffic = TrafficSummary(counters, deliveredInWindow: 980, windowSeconds: 10)
        result.errors = ["rate_limited": 1]
        result.servers = [ServerUsage(name: "gateway-1", role: "gateway", pid: 7, alive: true, cpuSeconds: 1.5, cpuPercent: 15,
                                      rssBytes: 10_000_000, peakRSSBytes: 12_000_000, rssBeforeBytes: 9_000_000, processCount: 1)]
        result.serverCPUMicrosPerDelivery = 1.5e6 / 980
        var sample = SecondSample(t: 1, phase: "warmup")
        sample.sent = 10
        sample.delivered = 99
        sample.delivery = counters.deliveryLatency.summary
        var measured = SecondSample(t: 2, phase: "measure")
        measured.delivered = 100
        measured.delivery = counters.deliveryLatency.summary
        measured.serverCPUPercent = 20
        result.series = [sample, measured]
        result.warnings = ["a <warning> & more"]
        result.failures = ["errors: rate_limited 1"]
        result.passed = false
        return result
    }

    @Test func theSummaryOfMeasuredTrafficAddsUp() throws {
        let traffic = try #require(Self.sampleResult().traffic)
        #expect(traffic.unanswered == 0)
        #expect(traffic.deliveryRatio == 1)
        #expect(traffic.sendRate == 10)
        #expect(traffic.deliveriesPerSecond == 98)
        #expect(abs(Double(traffic.deliveryLatency.p50Micros) - 4_950) <= 5)
    }

    @Test func theJSONRoundTrips() throws {
        let result = Self.sampleResult()
        let data = try ResultEncodingHelper.encode(result)
        #expect(try ResultWriter.decodeJSON(data) == result)
    }

    @Test func theJSONHasTheDocumentedKeys() throws {
        let data = try ResultEncodingHelper.encode(Self.sampleResult())
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["tool"] as? String == "chorus-load")
        #expect(object["scenario"] as? String == "fanout")
        #expect(object["passed"] as? Bool == false)
        let traffic = try #require(object["traffic"] as? [String: Any])
        #expect(traffic["expectedDeliveries"] as? Int == 990)
        let latency = try #require(traffic["deliveryLatency"] as? [String: Any])
        #expect(latency["p99Micros"] != nil && latency["p999Micros"] != nil && latency["maxMicros"] != nil)
        #expect((object["series"] as? [Any])?.count == 2)
        #expect((object["errors"] as? [String: Int])?["rate_limited"] == 1)
    }

    @Test func theHTMLIsSelfContainedWithPlots() {
        let html = HTMLReport.render(Self.sampleResult())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg"))
        #expect(html.contains("Delivery latency"))
        #expect(html.contains("Deliveries per second"))
        #expect(html.contains("a &lt;warning&gt; &amp; more"))
        for external in ["<script", "src=", "href=", "@import", "url("] {
            #expect(!html.contains(external), "\(external)")
        }
    }

    @Test func theTextSummarySaysWhatFailed() {
        let text = TextSummary.render(Self.sampleResult())
        #expect(text.contains("FAILED"))
        #expect(text.contains("delivered 990 of 990 expected"))
        #expect(text.contains("server CPU per delivered message"))
        #expect(text.contains("rate_limited 1"))
    }

    @Test func measuredSpansCoverTheMeasureSeconds() {
        var samples = (1...6).map { SecondSample(t: Double($0), phase: "warmup") }
        samples[2].phase = "measure"
        samples[3].phase = "measure"
        #expect(HTMLReport.measuredSpans(samples) == [2.0...4.0])
    }

    @Test func chartStepsAreRound() {
        #expect(SVGChart.niceStep(0.7) == 1)
        #expect(SVGChart.niceStep(1.3) == 2)
        #expect(SVGChart.niceStep(37) == 50)
        #expect(SVGChart.niceStep(0) == 1)
        let empty = SVGChart(title: "t", xLabel: "x", yLabel: "y", series: []).render()
        #expect(empty.contains("no data"))
    }

    @Test func numbersAreFormattedForPeople() {
        #expect(Format.micros(850) == "850µs")
        #expect(Format.micros(4_210) == "4.21ms")
        #expect(Format.micros(1_300_000) == "1.30s")
        #expect(Format.count(1_234_567) == "1,234,567")
        #expect(Format.count(-12) == "-12")
        #expect(Format.bytes(512) == "512 B")
        #expect(Format.bytes(3 * 1024 * 1024) == "3.0 MiB")
    }
}

enum ResultEncodingHelper {
    static func encode(_ result: RunResult) throws -> Data { try ResultWriter.encodeJSON(result) }
}
