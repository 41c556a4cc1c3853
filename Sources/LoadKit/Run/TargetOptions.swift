/// How a run reaches and measures the cluster (the options every scenario shares).
public struct TargetOptions: Sendable {
    /// How clients get their tokens.
    public enum Accounts: String, Sendable, CaseIterable {
        /// Tokens minted with the cluster's JWT secret for synthetic user ids (no registration;
        /// only the room owner is registered, as rooms reference a real user).
        case minted
        /// Like `minted`, but the senders are real accounts registered through the API.
        case senders
        /// Every client registers an account through the API (no secret needed; slow: a
        /// password hash per client).
        case all
    }

    public var gateways: [GatewayAddress]
    public var servers: [ServerProcess]
    public var jwtSecret: String?
    public var accounts: Accounts
    /// Event-loop threads of the harness.
    public var threads: Int
    /// Nice value of the harness's threads (0: unchanged).
    public var nice: Int32
    /// Loopback source addresses to spread connections over (127.0.0.2, ...); nil: automatic.
    public var sourceAddresses: Int?
    /// Connections being opened at once.
    public var connectConcurrency: Int
    /// Minted user ids are `userIDBase + client number`.
    public var userIDBase: Int64
    public var progress: Bool
    public var jsonPath: String?
    public var htmlPath: String?

    public init(
        gateways: [GatewayAddress], servers: [ServerProcess] = [], jwtSecret: String? = nil, accounts: Accounts = .minted,
        threads: Int = 1, nice: Int32 = 0, sourceAddresses: Int? = nil, connectConcurrency: Int = 256, userIDBase: Int64 = 1_000_000_000,
        progress: Bool = true, jsonPath: String? = nil, htmlPath: String? = nil
    ) {
        self.gateways = gateways
        self.servers = servers
        self.jwtSecret = jwtSecret
        self.accounts = accounts
        self.threads = threads
        self.nice = nice
        self.sourceAddresses = sourceAddresses
        self.connectConcurrency = connectConcurrency
        self.userIDBase = userIDBase
        self.progress = progress
        self.jsonPath = jsonPath
        self.htmlPath = htmlPath
    }

    /// Connections per source address before the automatic choice adds another (each address has
    /// ~28k ephemeral ports per gateway).
    public static let connectionsPerSourceAddress = 25_000

    /// The source addresses for `connections` (empty: let the kernel choose).
    public func sourceAddressList(for connections: Int) throws -> [String] {
        let count = sourceAddresses ?? (connections > Self.connectionsPerSourceAddress
            ? (connections + Self.connectionsPerSourceAddress - 1) / Self.connectionsPerSourceAddress : 0)
        guard count > 0 else { return [] }
        guard count <= 250 else { throw LoadError.badArgument("--source-addresses \(count): at most 250 (127.0.0.2-127.0.0.251)") }
        guard gateways.allSatisfy({ $0.host.hasPrefix("127.") || $0.host == "localhost" }) else {
            throw LoadError.badArgument("source addresses are loopback addresses: they only reach gateways on 127.0.0.0/8")
        }
        return (0..<count).map { "127.0.0.\($0 + 2)" }
    }
}
