/// A `worker-store` run: how many messages the room workers sequenced, stored and acked per second
/// when requests reach them straight over the inter-node wire (no gateway in the path).
public struct WorkerStoreResult: Codable, Sendable, Equatable {
    /// Acks in the measured window of one worker.
    public struct WorkerThroughput: Codable, Sendable, Equatable {
        public var worker: String
        /// Rooms of the run it owns.
        public var rooms: Int
        public var acked: Int64
        public var ackedPerSecond: Double

        public init(worker: String, rooms: Int, acked: Int64, ackedPerSecond: Double) {
            self.worker = worker
            self.rooms = rooms
            self.acked = acked
            self.ackedPerSecond = ackedPerSecond
        }
    }

    public var rooms: Int
    public var users: Int
    /// Most requests outstanding at once.
    public var window: Int
    public var payloadBytes: Int
    public var warmupSeconds: Double
    /// Length of the measured window.
    public var windowSeconds: Double
    /// Sends over the whole run (warm-up and window).
    public var sent: Int64
    public var acked: Int64
    /// Acks received in the measured window, and per second.
    public var ackedInWindow: Int64
    public var ackedPerSecond: Double
    public var workers: [WorkerThroughput]
    /// Send → ack, for acks received in the window.
    public var ackLatency: LatencySummary
    /// Sends still unanswered when the drain ended (counted as `timeout` errors too).
    public var unanswered: Int64
    /// Replies to requests already answered or never sent.
    public var strayReplies: Int64
    /// The stored rows against the acks; nil when the check was skipped.
    public var check: StoreCheck?

    public init(
        rooms: Int, users: Int, window: Int, payloadBytes: Int, warmupSeconds: Double, windowSeconds: Double, sent: Int64, acked: Int64,
        ackedInWindow: Int64, ackedPerSecond: Double, workers: [WorkerThroughput], ackLatency: LatencySummary, unanswered: Int64,
        strayReplies: Int64, check: StoreCheck?
    ) {
        self.rooms = rooms
        self.users = users
        self.window = window
        self.payloadBytes = payloadBytes
        self.warmupSeconds = warmupSeconds
        self.windowSeconds = windowSeconds
        self.sent = sent
        self.acked = acked
        self.ackedInWindow = ackedInWindow
        self.ackedPerSecond = ackedPerSecond
        self.workers = workers
        self.ackLatency = ackLatency
        self.unanswered = unanswered
        self.strayReplies = strayReplies
        self.check = check
    }
}
