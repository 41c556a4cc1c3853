import Foundation

/// Number formatting shared by the progress line, the text summary and the HTML report.
public enum Format {
    /// `850µs`, `4.21ms`, `1.30s`.
    public static func micros(_ value: UInt64) -> String {
        if value < 1_000 { return "\(value)µs" }
        if value < 1_000_000 { return String(format: "%.2fms", Double(value) / 1_000) }
        return String(format: "%.2fs", Double(value) / 1_000_000)
    }

    /// `512 B`, `3.4 KiB`, `120.5 MiB`.
    public static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var value = value
        var unit = 0
        while abs(value) >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return String(format: unit == 0 ? "%.0f" : "%.1f", value) + " " + units[unit]
    }

    /// `12,345`.
    public static func count<T: BinaryInteger>(_ value: T) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    public static func decimal(_ value: Double, _ digits: Int = 1) -> String {
        String(format: "%.\(digits)f", value)
    }
}
