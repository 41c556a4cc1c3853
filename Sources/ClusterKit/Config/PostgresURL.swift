#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A parsed `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]` URL.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode

    /// Parses `string`; `setting` names the configuration key in the error.
    public init(_ string: String, setting: String = "DATABASE_URL") throws {
        guard let components = URLComponents(string: string),
            let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql",
            let host = components.host, !host.isEmpty
        else {
            throw ConfigError(setting: setting, reason: "expected postgres://user[:password]@host[:port]/database")
        }
        // The percent-encoded forms, decoded once (`user`/`password` are decoded already).
        guard let user = components.percentEncodedUser, !user.isEmpty else {
            throw ConfigError(setting: setting, reason: "the URL names no user")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else {
            throw ConfigError(setting: setting, reason: "the URL names no database")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw ConfigError(setting: setting, reason: "port \(port) is out of range") }
        var tls = TLSMode.disable
        if let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw ConfigError(setting: setting, reason: "sslmode must be disable, prefer or require")
            }
            tls = parsed
        }
        self.host = host
        self.port = port
        self.username = user.removingPercentEncoding ?? user
        self.password = components.percentEncodedPassword.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
        self.tlsMode = tls
    }

    /// The URL without its password, for logs.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }
}
