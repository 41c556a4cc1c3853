/// Who a client is (its account) and what it does when it connects.
public struct ClientIdentity: Sendable, Equatable {
    public var userID: Int64
    public var username: String
    public var token: String
}

/// One client to connect: where, as whom, and which room to join (a resume joins with
/// `sinceSeq` and continues `tracker`).
public struct ClientPlan: Sendable {
    public var index: Int
    public var identity: ClientIdentity
    public var roomID: Int64?
    public var sinceSeq: Int64?
    public var tracker: SequenceTracker?

    public init(index: Int, identity: ClientIdentity, roomID: Int64?, sinceSeq: Int64? = nil, tracker: SequenceTracker? = nil) {
        self.index = index
        self.identity = identity
        self.roomID = roomID
        self.sinceSeq = sinceSeq
        self.tracker = tracker
    }
}

/// What opening a set of clients gave.
public struct OpenOutcome: Sendable {
    public var handles: [Int: ConnectionHandle] = [:]
    /// Failed clients by reason (`connect_failed`, `upgrade_401`, `join_room_not_found`, ...).
    public var failures: [String: Int64] = [:]
    /// 503 answers to upgrades (retried).
    public var refused503 = 0
    /// `unavailable` answers to joins (retried).
    public var joinRetries = 0
    /// First attempt → `joined`, per client.
    public var connectJoin = LatencyHistogram()
    public var seconds: Double = 0

    public var failed: Int { Int(failures.values.reduce(0, +)) }
}
