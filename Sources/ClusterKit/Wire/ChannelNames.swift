/// Redis key and channel names of one cluster, all under the prefix `CLUSTER_NAME` (default
/// `chorus`), so that several clusters (or test runs) can share a Redis without hearing each other.
/// One place, so that a rename cannot split the cluster.
public struct ChannelNames: Sendable, Equatable {
    /// The cluster's prefix.
    public let cluster: String

    public init(cluster: String = "chorus") {
        self.cluster = cluster
    }

    /// Token and user revocations (`ClusterMessage.tokenRevoked` / `.userRevoked`).
    public var revocations: String { "\(cluster):revocations" }

    /// Key marking one token as revoked until it expires.
    public func revokedToken(_ jti: String) -> String { "\(cluster):revoked:jti:\(jti)" }

    /// Key marking every token of a user as revoked (account deleted).
    public func revokedUser(_ userID: Int64) -> String { "\(cluster):revoked:user:\(userID)" }

    /// Key present while Redis holds every revocation of Postgres (set after a full copy): without
    /// it (Redis restarted or flushed) revocations are checked in Postgres.
    public var revokedSynced: String { "\(cluster):revoked:synced" }

    /// Hash of the users joined to a room right now (`user_id` → `username`), kept by its owner worker.
    public func roomMembers(_ roomID: Int64) -> String { "\(cluster):room:\(roomID):members" }

    /// Requests to one worker.
    public func worker(_ nodeID: String) -> String { "\(cluster):w:\(nodeID)" }

    /// Replies to one gateway.
    public func gateway(_ nodeID: String) -> String { "\(cluster):g:\(nodeID)" }

    /// Events of one room.
    public func room(_ roomID: Int64) -> String { "\(cluster):r:\(roomID)" }

    /// Sorted set of live workers, scored by heartbeat expiry (Redis clock, milliseconds).
    public var workers: String { "\(cluster):workers" }

    /// Sorted set of live gateways, scored like `workers`.
    public var gateways: String { "\(cluster):gateways" }

    /// Notifications that the worker set changed.
    public var membership: String { "\(cluster):membership" }
}
