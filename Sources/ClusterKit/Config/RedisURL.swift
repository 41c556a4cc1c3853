#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A parsed `redis://[[user]:password@]host[:port][/db]` URL.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int

    public init(host: String, port: Int, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
    }

    /// Parses `string`; `setting` names the configuration key in the error.
    public init(_ string: String, setting: String = "REDIS_URL") throws {
        guard let components = URLComponents(string: string), components.scheme == "redis",
            let host = components.host, !host.isEmpty
        else {
            throw ConfigError(setting: setting, reason: "expected redis://[:password@]host[:port][/db]")
        }
        let port = components.port ?? 6379
        guard (1...65535).contains(port) else { throw ConfigError(setting: setting, reason: "port \(port) is out of range") }
        var database = 0
        let path = components.path.drop(while: { $0 == "/" })
        if !path.isEmpty {
            guard let db = Int(path), db >= 0 else {
                throw ConfigError(setting: setting, reason: "database '\(path)' is not a non-negative integer")
            }
            database = db
        }
        self.init(
            host: host,
            port: port,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database
        )
    }

    /// The URL without its password, for logs.
    public var description: String { "redis://\(host):\(port)/\(database)" }
}
