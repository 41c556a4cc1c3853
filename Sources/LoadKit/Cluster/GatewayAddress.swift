/// A gateway's `http://host:port` base URL, split for a raw socket client.
public struct GatewayAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `http://host:port` (a trailing `/` allowed; `ws://` too). TLS is not supported.
    public init(url: String) throws {
        var rest = Substring(url)
        if rest.hasPrefix("http://") {
            rest = rest.dropFirst(7)
        } else if rest.hasPrefix("ws://") {
            rest = rest.dropFirst(5)
        } else if rest.hasPrefix("https://") || rest.hasPrefix("wss://") {
            throw LoadError.badArgument("gateway \(url): TLS is not supported; use the gateway's plain http:// address")
        } else {
            throw LoadError.badArgument("gateway \(url): expected http://HOST:PORT")
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
            (1...65_535).contains(port), colon > rest.startIndex
        else { throw LoadError.badArgument("gateway \(url): expected http://HOST:PORT") }
        host = String(rest[..<colon])
        self.port = port
    }

    /// `host:port` for the `Host` header.
    public var authority: String { "\(host):\(port)" }
    public var description: String { "http://\(authority)" }
}
