/// Redis key and channel names shared by every node. One place, so that a rename cannot split the cluster.
public enum ChannelNames {
    /// Token and user revocations (`ClusterMessage.tokenRevoked` / `.userRevoked`).
    public static let revocations = "chorus:revocations"

    /// Key marking one token as revoked until it expires.
    public static func revokedToken(_ jti: String) -> String { "chorus:revoked:jti:\(jti)" }

    /// Key marking every token of a user as revoked (account deleted).
    public static func revokedUser(_ userID: Int64) -> String { "chorus:revoked:user:\(userID)" }

    /// Hash of the users joined to a room right now (`user_id` → `username`), kept by its owner worker.
    public static func roomMembers(_ roomID: Int64) -> String { "chorus:room:\(roomID):members" }
}
