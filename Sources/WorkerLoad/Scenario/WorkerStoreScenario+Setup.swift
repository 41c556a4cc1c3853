import ClusterKit
import Foundation
import LoadKit
import NIOCore

extension WorkerStoreScenario {
    /// The rooms of a run and the worker that owns each, by the ring of the live workers.
    struct Placement {
        var roomIDs: [Int64]
        /// Worker index (into `workers`) of each room.
        var owners: [Int]
        var workers: [String]
    }

    /// Waits until the client is connected (at most 10 s).
    static func waitConnected(_ redis: RedisClient) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !redis.isConnected {
            guard ContinuousClock.now < deadline else { throw LoadError.cluster("cannot connect to Redis") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Registers the room owner and creates rooms through the REST API until `count` of them are
    /// owned by the wanted workers (all live workers when `only` is empty).
    static func placeRooms(
        count: Int, only: [String], ring: HashRing, api: ClusterAPI, runTag: String, log: (String) -> Void
    ) async throws -> Placement {
        let workers = only.isEmpty ? ring.nodes.sorted() : only.sorted()
        for worker in workers where !ring.nodes.contains(worker) {
            throw LoadError.badArgument("worker \(worker) is not live (live: \(ring.nodes.sorted().joined(separator: ", ")))")
        }
        guard !workers.isEmpty else { throw LoadError.cluster("no live worker in the cluster") }
        let index = Dictionary(uniqueKeysWithValues: workers.enumerated().map { ($1, $0) })
        log("registering the room owner and creating \(count) rooms")
        let owner = try await api.register(username: "ws\(runTag)owner")
        var placement = Placement(roomIDs: [], owners: [], workers: workers)
        var created = 0
        // Rooms of other workers are created but not used; give up if the wanted ones own almost none.
        while placement.roomIDs.count < count {
            guard created < count * 50 + 100 else { throw LoadError.cluster("the wanted workers own too few of the rooms created") }
            let batch = min(1000, max(16, (count - placement.roomIDs.count) * ring.nodes.count / workers.count))
            let ids = try await createRooms(batch, first: created, api: api, token: owner.token, runTag: runTag)
            created += batch
            for id in ids {
                guard placement.roomIDs.count < count, let owner = ring.owner(of: id), let worker = index[owner] else { continue }
                placement.roomIDs.append(id)
                placement.owners.append(worker)
            }
        }
        return placement
    }

    private static func createRooms(_ count: Int, first: Int, api: ClusterAPI, token: String, runTag: String) async throws -> [Int64] {
        try await withThrowingTaskGroup(of: (Int, Int64).self) { tasks in
            var rooms = [Int64](repeating: 0, count: count)
            var next = 0
            func add() {
                let slot = next
                next += 1
                tasks.addTask { (slot, try await api.createRoom(name: "ws \(runTag) \(first + slot + 1)", token: token, via: slot)) }
            }
            while next < min(count, 16) { add() }
            while let (slot, id) = try await tasks.next() {
                rooms[slot] = id
                if next < count { add() }
            }
            return rooms
        }
    }
}
