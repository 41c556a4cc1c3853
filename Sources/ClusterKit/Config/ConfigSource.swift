#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Raw settings merged from a config file and the environment (the environment wins).
///
/// The file format is the one of systemd's `EnvironmentFile` and of `.env` files: one `KEY=value`
/// per line, `#` starts a comment line, surrounding single or double quotes are removed. Using the
/// same names in the file and in the environment lets an operator move any setting between them.
public struct ConfigSource: Sendable {
    /// The merged values, keyed by setting name.
    public private(set) var values: [String: String]

    /// Builds a source from already-parsed values (tests build configurations this way).
    public init(values: [String: String]) {
        self.values = values
    }

    /// Reads `file` (if given) and overlays `environment` on it.
    /// - Throws: `ConfigError` naming `CHORUS_CONFIG` if the file cannot be read or a line is malformed.
    public init(file: String?, environment: [String: String]) throws {
        var values: [String: String] = [:]
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigError(setting: "CHORUS_CONFIG", reason: "cannot read config file \(file)")
            }
            values = try Self.parse(text, file: file)
        }
        for (key, value) in environment { values[key] = value }
        self.values = values
    }

    /// Parses the `KEY=value` format.
    static func parse(_ text: String, file: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigError(setting: "CHORUS_CONFIG", reason: "\(file):\(index + 1): expected KEY=value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
                value = String(value.dropFirst().dropLast())
            }
            guard !key.isEmpty else {
                throw ConfigError(setting: "CHORUS_CONFIG", reason: "\(file):\(index + 1): empty key")
            }
            values[key] = value
        }
        return values
    }

    /// The value of `key`, or `nil` when it is unset or empty.
    public func string(_ key: String) -> String? {
        guard let value = values[key], !value.isEmpty else { return nil }
        return value
    }

    /// The value of `key`, or `defaultValue`.
    public func string(_ key: String, default defaultValue: String) -> String {
        string(key) ?? defaultValue
    }

    /// A required value.
    public func required(_ key: String) throws -> String {
        guard let value = string(key) else { throw ConfigError(setting: key, reason: "is required") }
        return value
    }

    /// An integer within `range`, or `defaultValue` when unset.
    public func int(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let raw = string(key) else { return defaultValue }
        guard let value = Int(raw) else { throw ConfigError(setting: key, reason: "'\(raw)' is not an integer") }
        guard range.contains(value) else {
            throw ConfigError(setting: key, reason: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A duration given in milliseconds, within `range` (milliseconds).
    public func milliseconds(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Duration {
        .milliseconds(try int(key, default: defaultValue, in: range))
    }

    /// A comma-separated list (spaces around items are dropped, empty items ignored).
    public func list(_ key: String, default defaultValue: [String]) -> [String] {
        guard let raw = values[key] else { return defaultValue }
        return raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
