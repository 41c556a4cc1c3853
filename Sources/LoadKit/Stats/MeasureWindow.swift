/// The measured span of a run in monotonic nanoseconds, `[start, end)`: what is sent in it counts
/// as measured traffic (warm-up before it, the drain after it do not).
public struct MeasureWindow: Sendable, Equatable {
    public var startNanos: UInt64
    public var endNanos: UInt64

    public init(startNanos: UInt64, endNanos: UInt64) {
        self.startNanos = startNanos
        self.endNanos = endNanos
    }

    /// No window yet: nothing is measured.
    public static let none = MeasureWindow(startNanos: .max, endNanos: .max)

    @inline(__always)
    public func contains(_ nanos: UInt64) -> Bool {
        nanos >= startNanos && nanos < endNanos
    }

    public var seconds: Double { endNanos > startNanos ? Double(endNanos - startNanos) / 1e9 : 0 }
}
