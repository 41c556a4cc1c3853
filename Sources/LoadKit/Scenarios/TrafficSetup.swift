/// Rooms, accounts and joined connections of a sending scenario.
public struct TrafficSetup: Sendable {
    public var rooms: [Int64]
    public var identities: [ClientIdentity]
    public var opened: OpenOutcome
    public var senders: [(handle: ConnectionHandle, role: SendSpec)]
    /// Joined connections per room.
    public var members: [Int64: Int]

    public var handles: [ConnectionHandle] { opened.handles.values.sorted { $0.index < $1.index } }
}

extension LoadDriver {
    /// Creates the rooms, makes the accounts, connects and joins every client of `traffic`, and
    /// picks the senders. Clients that fail to connect or join are left out (and reported as
    /// errors); the expected deliveries count the members that did join.
    public func setUpTraffic(_ traffic: TrafficOptions) async throws -> TrafficSetup {
        let layout = traffic.layout
        let rooms = try await createRooms(layout.rooms)
        let registering: Set<Int> = options.accounts == .senders ? Set(layout.senders) : []
        let identities = try await identities(count: layout.clients, registering: registering)
        let plans = (0..<layout.clients).map { ClientPlan(index: $0, identity: identities[$0], roomID: rooms[layout.roomOfClient[$0]]) }
        let opened = await open(plans, concurrency: options.connectConcurrency, phase: "connect")
        var members: [Int64: Int] = [:]
        for handle in opened.handles.values { members[rooms[layout.roomOfClient[handle.index]], default: 0] += 1 }
        var senders: [(handle: ConnectionHandle, role: SendSpec)] = []
        for (number, client) in layout.senders.enumerated() {
            guard let handle = opened.handles[client] else { continue }
            let room = rooms[layout.roomOfClient[client]]
            senders.append((handle, SendSpec(
                roomID: room, members: members[room, default: 0], number: number, contentSize: traffic.payload,
                maximumRetries: traffic.retries
            )))
        }
        if senders.isEmpty {
            throw LoadError.cluster("no sender could connect and join: " + opened.failures.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        return TrafficSetup(rooms: rooms, identities: identities, opened: opened, senders: senders, members: members)
    }

    /// The run's errors: `error` frames by code plus the clients that could not connect or join.
    public func runErrors(_ snapshot: LoopSnapshot, _ opened: OpenOutcome...) -> [String: Int64] {
        var errors = snapshot.allErrors
        for outcome in opened { errors.merge(outcome.failures, uniquingKeysWith: +) }
        return errors
    }
}
