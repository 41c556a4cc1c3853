import ClusterKit
import Logging
import Testing

@testable import RoomWorker

/// Ring changes against a room's life cycle in the worker's core (no Redis or Postgres: the core
/// hands its I/O out as jobs, and its Redis writes go nowhere without a connection).
@Suite struct WorkerCoreRingTests {
    @Test func aRoomTheRingMovedAwayWhileItLoaded_isHandedOverAtOnce() async throws {
        let config = try WorkerConfig(from: ConfigSource(file: nil, environment: ["NODE_ID": "w1"]), processID: 1)
        let logger = Logger(label: "test")
        let (jobs, sink) = AsyncStream.makeStream(of: WorkerJob.self)
        let core = WorkerCore(nodeID: "w1", config: config, redis: RedisClient(url: config.node.redisURL, logger: logger), logger: logger, jobs: sink)
        await core.sessionStarted(1)
        await core.ringChanged(HashRing(nodes: ["w1"]))
        await core.receive(RoomRequest(requestID: 1, gatewayID: "g", roomID: 7, userID: 1, username: "u", kind: .send(content: "hi", clientMessageID: "a")))
        // After a Redis restart the live set is read while workers re-announce themselves: the
        // ring can move the room away and back while its load runs.
        await core.ringChanged(HashRing(nodes: ["w2"]))
        await core.loaded(roomID: 7, lastSeq: 0, tail: [], keys: [])
        sink.finish()
        var loads: [Int64] = []
        var releases: [[Int64]] = []
        for await job in jobs {
            switch job {
            case .load(let roomID): loads.append(roomID)
            case .release(let roomIDs): releases.append(roomIDs)
            case .commit: Issue.record("nothing may be committed for a room that is not ours")
            }
        }
        #expect(loads == [7])
        #expect(releases == [[7]])
        await core.released([7])
        #expect(await core.ownedRoomCount == 0)
    }
}
