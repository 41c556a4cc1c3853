/// Unsigned decimal numbers in bytes, without making a String (the frame scanner reads several
/// per delivery).
enum ASCIIDecimal {
    /// The digits in `range` as a number; nil if the range is empty, holds anything but digits, or
    /// overflows.
    @inline(__always)
    static func parse(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var value: UInt64 = 0
        for index in range {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }
}
