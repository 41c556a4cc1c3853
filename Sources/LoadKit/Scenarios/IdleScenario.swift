/// `idle`: N connections join rooms and then do nothing. Measures what an idle joined connection
/// costs the server: the gateways' RSS growth / N (and all servers', and the harness's own), and
/// the CPU they burn while idle.
public enum IdleScenario {
    public struct Options: Sendable {
        public var connections: Int
        public var rooms: Int
        /// Seconds to wait after the last join before reading memory.
        public var settle: Double
        /// Seconds to hold the connections after that (checking they stay open).
        public var hold: Double

        public init(connections: Int, rooms: Int?, settle: Double, hold: Double) throws {
            guard connections > 0 else { throw LoadError.badArgument("--connections must be at least 1") }
            let rooms = rooms ?? max(1, connections / 100)
            guard rooms > 0, rooms <= connections else { throw LoadError.badArgument("--rooms must be 1…--connections") }
            guard settle >= 0, hold >= 0 else { throw LoadError.badArgument("--settle and --hold must not be negative") }
            self.connections = connections
            self.rooms = rooms
            self.settle = settle
            self.hold = hold
        }

        var parameters: [String: String] {
            ["connections": String(connections), "rooms": String(rooms), "settle": Format.decimal(settle), "hold": Format.decimal(hold)]
        }
    }

    public static func run(_ driver: LoadDriver, idle: Options) async throws -> RunResult {
        let layout = try RoomLayout(clients: idle.connections, rooms: idle.rooms, sizes: nil, senders: 0)
        let rooms = try await driver.createRooms(layout.rooms)
        let identities = try await driver.identities(count: layout.clients, registering: [])
        let before = driver.sampleNow()
        let plans = (0..<layout.clients).map { ClientPlan(index: $0, identity: identities[$0], roomID: rooms[layout.roomOfClient[$0]]) }
        let opened = await driver.open(plans, concurrency: driver.options.connectConcurrency, phase: "connect")
        await driver.monitor.setPhase("settle")
        try await Task.sleep(for: .seconds(idle.settle))
        let settled = driver.sampleNow()
        await driver.monitor.setPhase("measure")
        try await Task.sleep(for: .seconds(idle.hold))
        let end = driver.sampleNow()
        let openAtEnd = await driver.group.openConnections()
        let snapshot = await driver.group.snapshot()

        var result = driver.newResult(parameters: idle.parameters)
        result.connections = opened.handles.count
        driver.measureUsage(into: &result, start: settled, end: end, deliveries: nil)
        let joined = opened.handles.count
        var gatewayDelta: [String: Int64] = [:]
        var serverDelta: Int64 = 0
        for (process, pair) in zip(driver.options.servers, zip(before.servers, settled.servers)) {
            let delta = Int64(pair.1.rssBytes) - Int64(pair.0.rssBytes)
            serverDelta += delta
            if process.role == "gateway" { gatewayDelta[process.name] = delta }
        }
        let perConnection = { (bytes: Int64) -> Double? in joined > 0 ? Double(bytes) / Double(joined) : nil }
        result.idle = IdleResult(
            requested: idle.connections, joined: joined, openAtEnd: openAtEnd, holdSeconds: idle.hold,
            gatewayBytesPerConnection: gatewayDelta.isEmpty ? nil : perConnection(gatewayDelta.values.reduce(0, +)),
            gatewayRSSDelta: gatewayDelta,
            serverBytesPerConnection: driver.options.servers.isEmpty ? nil : perConnection(serverDelta),
            clientBytesPerConnection: perConnection(Int64(settled.ownMemory.rss) - Int64(before.ownMemory.rss)) ?? 0,
            sourceAddresses: driver.sources
        )
        result.errors = driver.runErrors(snapshot, opened)
        result.closes = snapshot.closes
        if joined < idle.connections { result.failures.append("\(idle.connections - joined) of \(idle.connections) connections did not join") }
        if openAtEnd < joined { result.failures.append("\(joined - openAtEnd) connections closed during the hold") }
        if gatewayDelta.isEmpty { result.warnings.append("no gateway pids (--cluster-status, or --pid with the gateways): no memory per connection") }
        await driver.monitor.setPhase("close")
        await driver.closeAll(Array(opened.handles.values))
        return try await driver.finish(result)
    }
}
