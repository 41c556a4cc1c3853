import ClusterKit

/// Who is joined to a room right now, cluster-wide: the Redis hash `chorus:room:<id>:members`
/// (`user_id` → `username`) that the room's owner worker keeps.
struct RoomPresence: Sendable {
    let redis: RedisClient
    let timeout: Duration
    let names: ChannelNames

    func members(of roomID: Int64) async throws -> [MemberJSON] {
        let redis = self.redis
        let reply = try await withTimeout(timeout) {
            try await redis.send(["HGETALL", .string(names.roomMembers(roomID))])
        }
        let fields = reply.array ?? []
        var members: [MemberJSON] = []
        var index = 0
        while index + 1 < fields.count {
            if let id = fields[index].string.flatMap(Int64.init), let name = fields[index + 1].string {
                members.append(MemberJSON(userID: id, username: name))
            }
            index += 2
        }
        return members.sorted { $0.userID < $1.userID }
    }
}
