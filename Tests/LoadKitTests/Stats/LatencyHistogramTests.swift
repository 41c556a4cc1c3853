import Testing

@testable import LoadKit

@Suite struct LatencyHistogramTests {
    @Test func percentilesOfOneToTenThousandMicroseconds() {
        var histogram = LatencyHistogram()
        for value in 1...10_000 as ClosedRange<UInt64> { histogram.recordMicroseconds(value) }
        let summary = histogram.summary
        #expect(summary.count == 10_000)
        // Three significant digits: each percentile within 0.1 % of the exact value.
        #expect(abs(Double(summary.p50Micros) - 5_000) <= 5)
        #expect(abs(Double(summary.p90Micros) - 9_000) <= 9)
        #expect(abs(Double(summary.p99Micros) - 9_900) <= 10)
        #expect(abs(Double(summary.p999Micros) - 9_990) <= 10)
        #expect(abs(Double(summary.maxMicros) - 10_000) <= 10)
        #expect(abs(summary.meanMicros - 5_000.5) < 5)
    }

    @Test func nanosecondsAreRecordedAsMicroseconds() {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: 2_500_000)
        #expect(histogram.summary.p50Micros == 2_500)
    }

    @Test func aSingleOutlierShowsInTheTailOnly() {
        var histogram = LatencyHistogram()
        for _ in 0..<999 { histogram.recordMicroseconds(1_000) }
        histogram.recordMicroseconds(500_000)
        let summary = histogram.summary
        #expect(summary.p50Micros == 1_000)
        #expect(summary.p99Micros == 1_000)
        #expect(abs(Double(summary.maxMicros) - 500_000) <= 500)
        #expect(abs(Double(summary.p999Micros) - 1_000) <= 1 || abs(Double(summary.p999Micros) - 500_000) <= 500)
    }

    @Test func mergingTwoHalvesEqualsRecordingEverything() {
        var whole = LatencyHistogram()
        var first = LatencyHistogram()
        var second = LatencyHistogram()
        for value in 1...2_000 as ClosedRange<UInt64> {
            whole.recordMicroseconds(value * 37)
            if value % 2 == 0 { first.recordMicroseconds(value * 37) } else { second.recordMicroseconds(value * 37) }
        }
        first.merge(second)
        #expect(first.summary == whole.summary)
        #expect(first.count == 2_000)
    }

    @Test func mergingAnEmptyHistogramChangesNothing() {
        var histogram = LatencyHistogram()
        histogram.recordMicroseconds(42)
        let before = histogram.summary
        histogram.merge(LatencyHistogram())
        #expect(histogram.summary == before)
    }

    @Test func valuesPastSixtySecondsAreClampedAndCounted() {
        var histogram = LatencyHistogram()
        histogram.recordMicroseconds(LatencyHistogram.highestMicroseconds * 3)
        #expect(histogram.clamped == 1)
        #expect(histogram.summary.clamped == 1)
        #expect(histogram.count == 1)
    }

    @Test func anEmptyHistogramSummarisesToZeros() {
        #expect(LatencyHistogram().summary == LatencySummary())
    }
}
