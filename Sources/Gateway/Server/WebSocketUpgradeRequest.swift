import Crypto
import Foundation
import NIOHTTP1

/// A request to open a WebSocket, checked as RFC 6455 §4.2.1 says, before anything is spent on
/// it: `GET /v1/ws` over HTTP/1.1, `Connection` listing `upgrade`, `Upgrade: websocket`,
/// `Sec-WebSocket-Version: 13` and a `Sec-WebSocket-Key` of 16 base64-encoded bytes. Pure.
struct WebSocketUpgradeRequest: Equatable {
    /// The client's `Sec-WebSocket-Key`.
    let key: String
    /// The bearer token from `Authorization` or `?token=` (browsers cannot set headers).
    let token: String?

    static let path = "/v1/ws"

    init(_ head: HTTPRequestHead) throws(UpgradeRefusal) {
        let (path, query) = Self.split(head.uri)
        guard path == Self.path else { throw .notFound }
        guard head.method == .GET else { throw .badRequest("a WebSocket upgrade must be a GET") }
        guard head.version.major == 1, head.version.minor >= 1 else { throw .badRequest("a WebSocket upgrade needs HTTP/1.1") }
        let connection = head.headers[canonicalForm: "connection"].map { $0.lowercased() }
        guard connection.contains("upgrade") else { throw .badRequest("missing 'Connection: Upgrade'") }
        let upgrade = head.headers[canonicalForm: "upgrade"].map { $0.lowercased() }
        guard upgrade.contains("websocket") else { throw .badRequest("missing 'Upgrade: websocket'") }
        let versions = head.headers["sec-websocket-version"]
        guard versions.count == 1, versions[0].trimmingCharacters(in: .whitespaces) == "13" else { throw .unsupportedVersion }
        let keys = head.headers["sec-websocket-key"]
        guard keys.count == 1, let decoded = Data(base64Encoded: keys[0].trimmingCharacters(in: .whitespaces)), decoded.count == 16 else {
            throw .badRequest("'Sec-WebSocket-Key' must be 16 bytes in base64")
        }
        self.key = keys[0].trimmingCharacters(in: .whitespaces)
        self.token = Authenticator.bearerToken(head.headers.first(name: "authorization")) ?? Self.queryToken(query)
    }

    /// `Sec-WebSocket-Accept` for this key (RFC 6455 §4.2.2).
    var accept: String {
        Data(Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
    }

    private static func split(_ uri: String) -> (path: Substring, query: Substring?) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri[...], nil) }
        return (uri[..<mark], uri[uri.index(after: mark)...])
    }

    /// `token` from the query string (percent-decoded; JWTs need none, but a client may encode).
    private static func queryToken(_ query: Substring?) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == "token", !parts[1].isEmpty else { continue }
            return String(parts[1]).removingPercentEncoding ?? String(parts[1])
        }
        return nil
    }
}
