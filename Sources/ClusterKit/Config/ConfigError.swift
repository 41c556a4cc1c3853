/// A configuration value that cannot be used. Its description is one line that names the setting,
/// printed by the executables before they exit with status 1.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The setting's name as written in a config file or the environment, e.g. `JWT_SECRET`.
    public var setting: String
    /// What is wrong with it.
    public var reason: String

    public init(setting: String, reason: String) {
        self.setting = setting
        self.reason = reason
    }

    public var description: String { "invalid configuration: \(setting): \(reason)" }
}
