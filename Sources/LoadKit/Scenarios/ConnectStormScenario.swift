/// `connect-storm`: N clients connect and join as fast as allowed (or at a given rate). Measures
/// connect + join time (p50…max, retries after the gateway's 503 included), the achieved rate,
/// the 503s of the gateways' admission limit, and the servers' CPU during the storm.
public enum ConnectStormScenario {
    public struct Options: Sendable {
        public var connections: Int
        public var rooms: Int
        /// Connection starts per second (nil: as fast as `concurrency` allows).
        public var rate: Double?
        public var concurrency: Int

        public init(connections: Int, rooms: Int?, rate: Double?, concurrency: Int) throws {
            guard connections > 0 else { throw LoadError.badArgument("--connections must be at least 1") }
            let rooms = rooms ?? max(1, connections / 100)
            guard rooms > 0, rooms <= connections else { throw LoadError.badArgument("--rooms must be 1…--connections") }
            if let rate, !(rate > 0) { throw LoadError.badArgument("--connect-rate must be positive") }
            guard concurrency > 0 else { throw LoadError.badArgument("--connect-concurrency must be at least 1") }
            self.connections = connections
            self.rooms = rooms
            self.rate = rate
            self.concurrency = concurrency
        }
    }

    public static func run(_ driver: LoadDriver, storm: Options) async throws -> RunResult {
        let layout = try RoomLayout(clients: storm.connections, rooms: storm.rooms, sizes: nil, senders: 0)
        let rooms = try await driver.createRooms(layout.rooms)
        let identities = try await driver.identities(count: layout.clients, registering: [])
        let plans = (0..<layout.clients).map { ClientPlan(index: $0, identity: identities[$0], roomID: rooms[layout.roomOfClient[$0]]) }
        let start = driver.sampleNow()
        let opened = await driver.open(plans, concurrency: storm.concurrency, rate: storm.rate, phase: "measure")
        let end = driver.sampleNow()
        let snapshot = await driver.group.snapshot()

        var parameters = ["connections": String(storm.connections), "rooms": String(storm.rooms), "concurrency": String(storm.concurrency)]
        if let rate = storm.rate { parameters["connect_rate"] = Format.decimal(rate) }
        var result = driver.newResult(parameters: parameters)
        result.connections = opened.handles.count
        driver.measureUsage(into: &result, start: start, end: end, deliveries: nil)
        result.connectStorm = ConnectStormResult(
            requested: storm.connections, joined: opened.handles.count, failed: opened.failed, refused503: opened.refused503,
            seconds: opened.seconds, connectsPerSecond: opened.seconds > 0 ? Double(opened.handles.count) / opened.seconds : 0,
            targetRate: storm.rate, connectJoin: opened.connectJoin.summary
        )
        result.errors = driver.runErrors(snapshot, opened)
        result.closes = snapshot.closes
        if opened.failed > 0 {
            result.failures.append("\(opened.failed) clients failed: " + opened.failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if opened.joinRetries > 0 { result.warnings.append("\(opened.joinRetries) joins were answered unavailable and retried") }
        await driver.monitor.setPhase("close")
        await driver.closeAll(Array(opened.handles.values))
        return try await driver.finish(result)
    }
}
