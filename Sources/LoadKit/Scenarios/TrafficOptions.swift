/// The traffic of the sending scenarios (fanout, ramp, resume).
public struct TrafficOptions: Sendable {
    public var layout: RoomLayout
    /// Messages per second, all senders together.
    public var rate: Double
    /// Content bytes per message.
    public var payload: Int
    /// Measured seconds.
    public var duration: Double
    /// Seconds of traffic before the measured window.
    public var warmup: Double
    /// Longest wait after the window for the last answers and deliveries.
    public var drain: Double
    /// Resends of a send answered `unavailable` (same `client_msg_id`), as a real client would.
    public var retries: Int

    /// The gateway's default per-connection limit (`WS_RATE_PER_SEC`).
    public static let gatewayFrameRateLimit = 50.0

    public init(layout: RoomLayout, rate: Double, payload: Int, duration: Double, warmup: Double, drain: Double, retries: Int = 10) throws {
        guard retries >= 0 else { throw LoadError.badArgument("--retries must not be negative") }
        self.retries = retries
        guard rate > 0, rate.isFinite else { throw LoadError.badArgument("--rate must be positive") }
        guard (MessageContent.minimumSize...MessageContent.maximumSize).contains(payload) else {
            throw LoadError.badArgument(
                "--payload \(payload): must be \(MessageContent.minimumSize)–\(MessageContent.maximumSize) bytes (the content carries a timestamp, and the contract allows 4096)"
            )
        }
        guard duration > 0 else { throw LoadError.badArgument("--duration must be positive") }
        guard warmup >= 0 else { throw LoadError.badArgument("--warmup must not be negative") }
        guard drain >= 0 else { throw LoadError.badArgument("--drain must not be negative") }
        guard !layout.senders.isEmpty else { throw LoadError.badArgument("--senders must be at least 1") }
        self.layout = layout
        self.rate = rate
        self.payload = payload
        self.duration = duration
        self.warmup = warmup
        self.drain = drain
    }

    /// Messages per second each sender sends.
    public var ratePerSender: Double { rate / Double(layout.senders.count) }

    public var parameters: [String: String] {
        [
            "clients": String(layout.clients), "rooms": String(layout.rooms), "senders": String(layout.senders.count),
            "rate": Format.decimal(rate, 1), "payload": String(payload), "duration": Format.decimal(duration, 1),
            "warmup": Format.decimal(warmup, 1), "drain": Format.decimal(drain, 1), "retries": String(retries),
            "room_sizes": Set(layout.roomSizes).count == 1 ? "\(layout.rooms)x\(layout.roomSizes[0])" : layout.roomSizes.map(String.init).joined(separator: ","),
        ]
    }

    /// A warning when senders would hit the gateway's per-connection frame limit.
    public func senderRateWarning(rate: Double) -> String? {
        let perSender = rate / Double(layout.senders.count)
        guard perSender > Self.gatewayFrameRateLimit * 0.8 else { return nil }
        return "each sender sends \(Format.decimal(perSender)) msgs/s; the gateway's default limit is \(Int(Self.gatewayFrameRateLimit)) frames/s "
            + "per connection (WS_RATE_PER_SEC): expect rate_limited errors; use more --senders"
    }
}
