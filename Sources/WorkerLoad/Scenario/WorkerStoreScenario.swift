import ClusterKit
import Foundation
import LoadKit
import Logging
import NIOCore
import NIOPosix

/// `worker-store`: how many messages the room workers give a seq, store durably and ack per
/// second, measured without the gateways (they would be the bottleneck).
///
/// The harness acts as a gateway on the inter-node wire: it creates rooms through the REST API,
/// subscribes its own reply channel `<cluster>:g:<node id>`, and publishes `send` requests to each
/// room's owner `<cluster>:w:<worker>` (owners by the ring of the live workers), with a bounded
/// window of requests outstanding, for `warmup + duration` seconds. A worker answers any gateway
/// channel: the harness need not be a registered gateway. Afterwards every acked message is looked
/// up in Postgres: stored exactly once, with its acked seq, every room `1…last_seq` without a hole.
public enum WorkerStoreScenario {
    public static func run(_ options: WorkerStoreOptions) async throws -> RunResult {
        var logger = Logger(label: "chorus-load.worker-store")
        logger.logLevel = .warning
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let result = try await run(options, group: group, logger: logger)
            try? await group.shutdownGracefully()
            return result
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private static func run(_ options: WorkerStoreOptions, group: MultiThreadedEventLoopGroup, logger: Logger) async throws -> RunResult {
        let loop = group.next()
        let startNanos = NIODeadline.now().uptimeNanoseconds
        let runTag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let nodeID = "bench-\(runTag)"
        let names = ChannelNames(cluster: options.clusterName)
        let log: (String) -> Void = { line in
            if options.progress { FileHandle.standardError.write(Data("worker-store: \(line)\n".utf8)) }
        }
        let redis = RedisClient(url: options.redisURL, eventLoopGroup: group, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { services in
            services.addTask { try await redis.run() }
            defer { services.cancelAll() }
            try await waitConnected(redis)
            let live = try await Membership(redis: redis, names: names).liveNodes()
            let api = ClusterAPI(rest: RestClient(group: group), gateways: try options.status.gatewayURLs.map(GatewayAddress.init(url:)))
            let placement = try await placeRooms(
                count: options.rooms, only: options.onlyWorkers, ring: HashRing(nodes: live), api: api, runTag: runTag, log: log
            )
            let ledger = SendLedger(window: options.window, roomOwners: placement.owners, workers: placement.workers.count)
            let targets = zip(placement.roomIDs, placement.owners).map { roomID, owner in
                WireLoadClient.Target(roomID: roomID, workerChannel: .string(names.worker(placement.workers[owner])))
            }
            let client = try await loop.submit {
                NIOLoopBound(
                    WireLoadClient(
                        eventLoop: loop, nodeID: nodeID, redis: redis, targets: targets, ledger: ledger, users: options.users,
                        userIDBase: 2_000_000_000, content: String(repeating: "x", count: options.payload), idPrefix: "\(runTag)-"
                    ),
                    eventLoop: loop
                )
            }.get()
            // Replies arrive on `loop` too (one thread): the client is only ever touched there.
            let subscriber = RedisSubscriber(url: options.redisURL, eventLoopGroup: group, logger: logger) { _, payload in
                client.value.received(payload)
            }
            services.addTask { try await subscriber.run() }
            guard await subscriber.subscribeAndWait(names.gateway(nodeID), timeout: .seconds(10)) else {
                throw LoadError.cluster("Redis did not confirm the subscription of \(names.gateway(nodeID))")
            }

            let sampler = ProcessSampler(targets: options.status.serverProcesses)
            let progress = WireProgress(client: client, eventLoop: loop, sampler: sampler, printsProgress: options.progress, startNanos: startNanos)
            services.addTask { await progress.run() }
            let loopThread = try await loop.submit { ProcessSampler.currentThreadID() }.get()
            let sampleNow = {
                WindowSample(
                    nanos: NIODeadline.now().uptimeNanoseconds, servers: sampler.sample(), ownCPU: ProcessSampler.ownCPUSeconds(),
                    threadCPU: [ProcessSampler.threadCPUSeconds(tid: loopThread) ?? 0],
                    threadWait: [ProcessSampler.threadWaitSeconds(tid: loopThread) ?? 0], ownMemory: ProcessSampler.ownMemory()
                )
            }

            log("\(placement.roomIDs.count) rooms on \(placement.workers.joined(separator: ", ")); sending as \(nodeID)")
            await progress.setPhase("warmup")
            loop.execute { client.value.start() }
            try await Task.sleep(for: .seconds(options.warmup))
            await progress.setPhase("measure")
            let start = sampleNow()
            try await loop.submit { client.value.beginMeasure() }.get()
            try await Task.sleep(for: .seconds(options.duration))
            try await loop.submit {
                client.value.endMeasure()
                client.value.stop()
            }.get()
            let end = sampleNow()
            await progress.setPhase("drain")
            let drainDeadline = ContinuousClock.now + .seconds(options.drain)
            var unanswered = try await loop.submit { client.value.ledger.outstanding }.get()
            while unanswered > 0, ContinuousClock.now < drainDeadline {
                try await Task.sleep(for: .milliseconds(50))
                unanswered = try await loop.submit { client.value.ledger.outstanding }.get()
            }
            let final = try await loop.submit {
                client.value.failAllPending(code: "timeout")
                return client.value.ledger
            }.get()
            let series = await progress.series

            var check: StoreCheck?
            if let database = options.databaseURL {
                log("checking the stored rows of \(Format.count(final.sent)) sends")
                check = try await StoredMessages.check(
                    url: database, ledger: final, roomIDs: placement.roomIDs, idPrefix: "\(runTag)-", logger: logger
                )
            }
            var result = report(options, placement: placement, ledger: final, unanswered: unanswered, check: check, start: start, end: end)
            result.series = series
            return result
        }
    }
}
