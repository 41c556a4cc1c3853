/// A set of live nodes of one kind, kept in Redis as a sorted set (`chorus:workers`,
/// `chorus:gateways`) scored by each node's heartbeat expiry. All times come from the Redis
/// server's clock (`TIME` inside the scripts), so nodes with skewed clocks still agree on who is alive.
public struct Membership: Sendable {
    /// Which nodes.
    public enum Kind: Sendable { case workers, gateways }

    let redis: RedisClient
    let names: ChannelNames
    let kind: Kind

    public init(redis: RedisClient, names: ChannelNames, kind: Kind = .workers) {
        self.redis = redis
        self.names = names
        self.kind = kind
    }

    private var key: String { kind == .workers ? names.workers : names.gateways }

    private static let announceScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        """

    private static let liveScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        return redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')
        """

    /// Refreshes `nodeID`'s heartbeat for `ttl`; returns `true` if it was not in the set before.
    @discardableResult
    public func announce(_ nodeID: String, ttl: Duration) async throws -> Bool {
        let milliseconds = ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000
        let reply = try await redis.send([
            "EVAL", .string(Self.announceScript), "1", .string(key), .string(nodeID), .integer(milliseconds),
        ])
        let added = reply.integer == 1
        if added { try await notify(nodeID, joined: true) }
        return added
    }

    /// Removes `nodeID` at once (planned shutdown) and tells every node.
    public func withdraw(_ nodeID: String) async throws {
        try await redis.send(["ZREM", .string(key), .string(nodeID)])
        try await notify(nodeID, joined: false)
    }

    /// The workers whose heartbeat has not expired.
    public func liveNodes() async throws -> [String] {
        let reply = try await redis.send(["EVAL", .string(Self.liveScript), "1", .string(key)])
        return (reply.array ?? []).compactMap(\.string)
    }

    /// Only worker changes move rooms: only they are announced.
    private func notify(_ nodeID: String, joined: Bool) async throws {
        guard kind == .workers else { return }
        let message = ClusterMessage.membershipChanged(nodeID: nodeID, joined: joined)
        try await redis.send(["PUBLISH", .string(names.membership), .bytes(message.encoded())])
    }
}
