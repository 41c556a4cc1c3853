import Histogram

/// Latencies in microseconds, recorded from nanosecond durations into an HdrHistogram (3 significant
/// digits, 1 µs to 60 s). HdrHistogram keeps the tail exact to 0.1 % at a fixed memory cost, so
/// percentiles of millions of deliveries cost the same as of ten, and histograms of several event
/// loops and seconds merge without losing anything.
public struct LatencyHistogram: Sendable, Equatable {
    /// The largest latency recorded as such; longer ones are counted at this value (and in `clamped`).
    public static let highestMicroseconds: UInt64 = 60_000_000

    private var histogram: Histogram<UInt64>
    /// How many values were longer than `highestMicroseconds` and were recorded as that.
    public private(set) var clamped: UInt64 = 0

    public init() {
        histogram = Histogram(lowestDiscernibleValue: 1, highestTrackableValue: Self.highestMicroseconds, numberOfSignificantValueDigits: .three)
    }

    /// Records one latency given in nanoseconds.
    @inline(__always)
    public mutating func record(nanoseconds: UInt64) {
        recordMicroseconds(nanoseconds / 1_000)
    }

    /// Records one latency given in microseconds.
    @inline(__always)
    public mutating func recordMicroseconds(_ value: UInt64) {
        if value > Self.highestMicroseconds {
            clamped += 1
            histogram.record(Self.highestMicroseconds)
        } else {
            histogram.record(value)
        }
    }

    /// Adds every value of `other` (same layout: always true for this type).
    public mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        histogram.add(other.histogram)
        clamped += other.clamped
    }

    public var count: UInt64 { histogram.totalCount }

    /// The value (µs) at `percentile` (0–100); 0 when empty.
    public func microseconds(atPercentile percentile: Double) -> UInt64 {
        count == 0 ? 0 : histogram.valueAtPercentile(percentile)
    }

    /// The percentiles a report shows.
    public var summary: LatencySummary {
        guard count > 0 else { return LatencySummary() }
        return LatencySummary(
            count: count,
            meanMicros: histogram.mean,
            p50Micros: histogram.valueAtPercentile(50),
            p90Micros: histogram.valueAtPercentile(90),
            p99Micros: histogram.valueAtPercentile(99),
            p999Micros: histogram.valueAtPercentile(99.9),
            maxMicros: histogram.max,
            clamped: clamped
        )
    }
}
