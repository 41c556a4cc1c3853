import ChorusTestSupport
import ClusterKit
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

/// The Redis client and subscriber against real redis-server processes.
@Suite struct RedisClientTests {
    let logger = Logger(label: "test.redis")

    /// A group commit publishes thousands of replies and events in one write: collecting their
    /// answers must stay linear (it once copied the collected array on every reply).
    @Test func aLongPipeline_getsEveryReplyInOrder() async throws {
        let connection = try await RedisConnection.connect(to: try TestEnvironment.redisURL)
        defer { connection.close() }
        let key = uniqueName("test:long:")
        let started = ContinuousClock.now
        let replies = try await connection.pipeline((0..<20_000).map { _ in ["INCR", .string(key)] })
        #expect(replies == (1...20_000).map { RedisReply.integer(Int64($0)) })
        print("pipeline of 20,000 INCR: \(ContinuousClock.now - started)")
    }

    @Test func commandsAndPipelines_roundTrip() async throws {
        let connection = try await RedisConnection.connect(to: try TestEnvironment.redisURL)
        defer { connection.close() }
        let key = uniqueName("test:key:")
        #expect(try await connection.send(["SET", .string(key), "v1"]) == .status("OK"))
        #expect(try await connection.send(["GET", .string(key)]).string == "v1")
        let replies = try await connection.pipeline((0..<500).map { _ in ["INCR", .string(key + ":n")] })
        #expect(replies.last == .integer(500))
        await #expect(throws: RedisError.self) { try await connection.send(["NOSUCHCOMMAND"]) }
        // An error reply does not break the connection.
        #expect(try await connection.send(["PING"]) == .status("PONG"))
    }

    @Test func concurrentCallers_getTheirOwnReplies() async throws {
        let connection = try await RedisConnection.connect(to: try TestEnvironment.redisURL)
        defer { connection.close() }
        let prefix = uniqueName("test:c:")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let reply = try await connection.send(["ECHO", .string("\(prefix)\(index)")])
                    #expect(reply.string == "\(prefix)\(index)")
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func client_failsFast_whenRedisIsDown_andRecovers() async throws {
        let server = try RedisServer()
        let client = RedisClient(url: server.url, logger: logger)
        try await withRunningServices([client]) {
            await #expect(throws: RedisError.notConnected) { try await client.send(["PING"]) }
            try await server.start()
            #expect(await eventually { (try? await client.send(["PING"])) == .status("PONG") })
            await server.kill()
            #expect(await eventually { !client.isConnected })
            try await server.start()
            #expect(await eventually { (try? await client.send(["PING"])) == .status("PONG") })
        }
        await server.kill()
    }

    @Test func subscriber_resubscribesEveryChannel_afterRedisRestarts() async throws {
        let server = try RedisServer()
        try await server.start()
        let received = Mutex<[String]>([])
        let subscriber = RedisSubscriber(url: server.url, pingInterval: .milliseconds(200), logger: logger) { channel, payload in
            received.withLock { $0.append("\(channel)=\(String(buffer: payload))") }
        }
        subscriber.subscribe("room:1")
        subscriber.subscribe("room:2")
        subscriber.subscribe("room:3")
        subscriber.unsubscribe("room:3")
        try await withRunningServices([subscriber]) {
            let publisher = RedisClient(url: server.url, logger: logger)
            try await withRunningServices([publisher]) {
                func publishUntilReceived(_ channel: String, _ text: String) async -> Bool {
                    await eventually {
                        _ = try? await publisher.send(["PUBLISH", .string(channel), .string(text)])
                        return received.withLock { $0.contains("\(channel)=\(text)") }
                    }
                }
                #expect(await publishUntilReceived("room:1", "before"))
                #expect(await publishUntilReceived("room:2", "before"))

                await server.kill()
                #expect(await eventually { !subscriber.isConnected })
                try await server.start()

                #expect(await publishUntilReceived("room:1", "after"))
                #expect(await publishUntilReceived("room:2", "after"))
                _ = try await publisher.send(["PUBLISH", "room:3", "unwanted"])
                _ = try await publisher.send(["PUBLISH", "room:1", "marker"])
                #expect(await eventually { received.withLock { $0.contains("room:1=marker") } })
                #expect(!received.withLock { $0.contains("room:3=unwanted") })
            }
        }
        await server.kill()
    }

    @Test func subscriber_detectsAStalledServer() async throws {
        let server = try RedisServer()
        try await server.start()
        // A 1 s answer timeout: at 500 ms a full run's load (two cores, every suite at once) failed
        // healthy pings, and the subscriber never stayed connected long enough to be seen.
        let subscriber = RedisSubscriber(url: server.url, timeout: .seconds(1), pingInterval: .milliseconds(200), logger: logger) { _, _ in }
        try await withRunningServices([subscriber]) {
            #expect(await eventually(timeout: .seconds(20)) { subscriber.isConnected })
            // A server that stops answering (paused, network cut) must not look connected for long.
            _ = try await RedisConnection.connect(to: server.url).send(["CLIENT", "PAUSE", "3000", "ALL"])
            #expect(await eventually(timeout: .seconds(3)) { !subscriber.isConnected })
        }
        await server.kill()
    }
}

/// Runs `services` in a ServiceGroup around `body`, then shuts them down.
func withRunningServices(_ services: [any Service], _ body: () async throws -> Void) async throws {
    let group = ServiceGroup(services: services, logger: Logger(label: "test.services"))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
