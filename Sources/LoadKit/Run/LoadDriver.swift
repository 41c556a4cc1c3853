import Foundation
import NIOCore
import NIOPosix

/// Runs the parts every scenario shares against one cluster: event loops, REST set-up (owner
/// account, rooms), tokens, opening and joining clients, traffic phases, the per-second monitor
/// and the final measurements. Scenarios (`FanoutScenario`, ...) compose these.
public final class LoadDriver: Sendable {
    public let scenario: String
    public let options: TargetOptions
    public let group: ClientGroup
    public let api: ClusterAPI
    public let monitor: Monitor
    public let sampler: ProcessSampler
    let addresses: [SocketAddress]
    /// Source addresses the clients bind (empty: the kernel's choice).
    public let sources: [String]
    let sourceAddresses: [SocketAddress]
    let minter: TokenMinter?
    /// A random tag in the names of this run's accounts and rooms.
    public let runTag: String
    /// Wall-clock start, RFC 3339.
    public let startedAt: String

    /// Checks the options, raises the open-file limit for `connections`, starts the event loops.
    public static func start(scenario: String, options: TargetOptions, connections: Int) async throws -> LoadDriver {
        guard !options.gateways.isEmpty else {
            throw LoadError.badArgument("no gateway: give --gateway URL (repeatable) or --cluster-status FILE")
        }
        guard (1...64).contains(options.threads) else { throw LoadError.badArgument("--threads must be between 1 and 64") }
        guard options.connectConcurrency > 0 else { throw LoadError.badArgument("--connect-concurrency must be at least 1") }
        for server in options.servers where !ProcessSampler.exists(server.pid) {
            throw LoadError.badArgument("server process \(server.name) (pid \(server.pid)) does not exist")
        }
        let minter: TokenMinter?
        if options.accounts == .all {
            minter = nil
        } else {
            guard let secret = options.jwtSecret, !secret.isEmpty else {
                throw LoadError.badArgument(
                    "minted tokens need the cluster's JWT secret: give --jwt-secret or set JWT_SECRET (scripts/cluster keeps it in "
                        + ".run/cluster/node.env), or use --accounts all to register every client through the API"
                )
            }
            minter = try TokenMinter(secret: secret)
        }
        try ResourceLimits.raiseOpenFiles(for: connections)
        // Before the event loops start: their threads inherit it.
        try ResourceLimits.setNice(options.nice)
        let sources = try options.sourceAddressList(for: connections)
        let addresses = try options.gateways.map { gateway in
            do {
                return try SocketAddress.makeAddressResolvingHost(gateway.host, port: gateway.port)
            } catch {
                throw LoadError.badArgument("gateway \(gateway): cannot resolve \(gateway.host): \(error)")
            }
        }
        let sourceAddresses = try sources.map { try SocketAddress(ipAddress: $0, port: 0) }
        let group = try await ClientGroup.start(threads: options.threads)
        let sampler = ProcessSampler(targets: options.servers)
        let start = NIODeadline.now().uptimeNanoseconds
        let monitor = Monitor(group: group, sampler: sampler, label: scenario, printsProgress: options.progress, startNanos: start)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return LoadDriver(
            scenario: scenario, options: options, group: group,
            api: ClusterAPI(rest: RestClient(group: group.group), gateways: options.gateways), monitor: monitor, sampler: sampler,
            addresses: addresses, sources: sources, sourceAddresses: sourceAddresses, minter: minter,
            runTag: String(UInt32.random(in: 0...UInt32.max), radix: 36), startedAt: formatter.string(from: Date())
        )
    }

    private init(
        scenario: String, options: TargetOptions, group: ClientGroup, api: ClusterAPI, monitor: Monitor, sampler: ProcessSampler,
        addresses: [SocketAddress], sources: [String], sourceAddresses: [SocketAddress], minter: TokenMinter?, runTag: String,
        startedAt: String
    ) {
        self.scenario = scenario
        self.options = options
        self.group = group
        self.api = api
        self.monitor = monitor
        self.sampler = sampler
        self.addresses = addresses
        self.sources = sources
        self.sourceAddresses = sourceAddresses
        self.minter = minter
        self.runTag = runTag
        self.startedAt = startedAt
    }

    /// Runs `body` with the per-second monitor ticking beside it, then shuts the event loops down.
    public func run<T: Sendable>(_ body: @Sendable (LoadDriver) async throws -> T) async throws -> T {
        let monitor = self.monitor
        do {
            let result = try await withThrowingTaskGroup(of: T?.self) { tasks in
                tasks.addTask {
                    await monitor.run()
                    return nil
                }
                defer { tasks.cancelAll() }
                return try await body(self)
            }
            await group.shutdown()
            return result
        } catch {
            await group.shutdown()
            throw error
        }
    }

    /// Monotonic nanoseconds now.
    public static var now: UInt64 { NIODeadline.now().uptimeNanoseconds }

    /// Seconds since the run started.
    public var elapsed: Double { Double(Self.now - monitor.startNanos) / 1e9 }

    // MARK: Set-up through the REST API

    /// Registers the room owner (rooms reference a real user) and creates `count` rooms, spread
    /// over the gateways.
    public func createRooms(_ count: Int) async throws -> [Int64] {
        await monitor.setPhase("setup", note: "creating \(count) rooms")
        let owner = try await api.register(username: "ld\(runTag)owner")
        let api = self.api
        let runTag = self.runTag
        return try await withThrowingTaskGroup(of: (Int, Int64).self) { tasks in
            var rooms = [Int64](repeating: 0, count: count)
            var next = 0
            func add() {
                let slot = next
                next += 1
                tasks.addTask { (slot, try await api.createRoom(name: "load \(runTag) \(slot + 1)", token: owner.token, via: slot)) }
            }
            while next < min(count, 8) { add() }
            while let (slot, id) = try await tasks.next() {
                rooms[slot] = id
                if next < count { add() }
            }
            return rooms
        }
    }

    /// The accounts of clients `0..<count`: minted tokens, except the clients in `registering`
    /// (or everyone with `--accounts all`), who register through the API.
    public func identities(count: Int, registering: Set<Int>) async throws -> [ClientIdentity] {
        var identities = [ClientIdentity?](repeating: nil, count: count)
        var toRegister: [Int] = []
        for index in 0..<count {
            if options.accounts == .all || registering.contains(index) {
                toRegister.append(index)
            } else if let minter {
                let userID = options.userIDBase + Int64(index)
                let username = "load\(userID)"
                identities[index] = ClientIdentity(userID: userID, username: username, token: minter.token(userID: userID, username: username))
            }
        }
        if !toRegister.isEmpty {
            await monitor.setPhase("setup", note: "registering \(toRegister.count) accounts")
            let api = self.api
            let runTag = self.runTag
            try await withThrowingTaskGroup(of: (Int, ClusterAPI.Account).self) { tasks in
                var next = 0
                func add() {
                    let index = toRegister[next]
                    next += 1
                    tasks.addTask { (index, try await api.register(username: "ld\(runTag)u\(index)", via: index)) }
                }
                while next < min(toRegister.count, 8) { add() }
                while let (index, account) = try await tasks.next() {
                    identities[index] = ClientIdentity(userID: account.userID, username: account.username, token: account.token)
                    if next < toRegister.count { add() }
                }
            }
        }
        return identities.map { $0! }
    }

    /// A fresh token for a client that reconnects (same user).
    public func refreshedIdentity(_ identity: ClientIdentity) -> ClientIdentity {
        guard let minter else { return identity }
        var refreshed = identity
        refreshed.token = minter.token(userID: identity.userID, username: identity.username)
        return refreshed
    }
}
