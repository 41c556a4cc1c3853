#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A parsed `redis://[[user]:password@]host[:port][/db]` URL.
///
/// With a user, the connection authenticates as that ACL user (`AUTH user password`); with only a
/// password, as the default user (`AUTH password`). User and password are percent-decoded.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The ACL user (Redis 6+); nil: the default user.
    public var username: String?
    public var password: String?
    public var database: Int

    public init(host: String, port: Int, password: String? = nil, database: Int = 0, username: String? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses `string`; `setting` names the configuration key in the error.
    public init(_ string: String, setting: String = "REDIS_URL") throws {
        guard let components = URLComponents(string: string), components.scheme == "redis",
            let host = components.host, !host.isEmpty
        else {
            throw ConfigError(setting: setting, reason: "expected redis://[[user]:password@]host[:port][/db]")
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
        // The percent-encoded forms, decoded once (`user`/`password` are decoded already: decoding
        // them again would turn a password's literal "%41" into "A").
        func decoded(_ part: String?) -> String? {
            guard let part, !part.isEmpty else { return nil }
            return part.removingPercentEncoding ?? part
        }
        let username = decoded(components.percentEncodedUser)
        let password = decoded(components.percentEncodedPassword)
        if let username, password == nil {
            throw ConfigError(setting: setting, reason: "user '\(username)' has no password (redis://user:password@host)")
        }
        self.init(host: host, port: port, password: password, database: database, username: username)
    }

    /// The URL without its password, for logs.
    public var description: String {
        "redis://\(username.map { "\(Self.encode($0))@" } ?? "")\(host):\(port)/\(database)"
    }

    /// The whole URL, password included, percent-encoded so that `RedisURL(urlString)` gives this
    /// URL back. For handing to another process (`REDIS_URL`); never log it: use `description`.
    public var urlString: String {
        var credentials = ""
        if let password {
            credentials = "\(username.map(Self.encode) ?? ""):\(Self.encode(password))@"
        } else if let username {
            credentials = "\(Self.encode(username))@"
        }
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "redis://\(credentials)\(hostPart):\(port)/\(database)"
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    private static func encode(_ part: String) -> String {
        var result = ""
        for byte in part.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                result += byte < 16 ? "%0\(hex)" : "%\(hex)"
            }
        }
        return result
    }
}
