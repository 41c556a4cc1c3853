/// The reference-counted channel set of a `RedisSubscriber`, as a pure state machine.
///
/// The first local subscriber of a channel subscribes on Redis, the last one unsubscribes. When the
/// connection comes back after a loss, every channel still wanted is subscribed again — without
/// this, a Redis restart silently stops all delivery.
public struct SubscriptionStateMachine: Sendable {
    /// What the subscriber must send.
    public enum Action: Equatable, Sendable {
        case none
        case subscribe([String])
        case unsubscribe([String])
    }

    private var counts: [String: Int] = [:]
    private(set) public var isConnected = false

    public init() {}

    /// Channels with at least one local subscriber.
    public var channels: Set<String> { Set(counts.keys) }

    /// How many local subscribers `channel` has.
    public func count(of channel: String) -> Int { counts[channel, default: 0] }

    /// A local subscriber wants `channel`.
    public mutating func subscribeRequested(_ channel: String) -> Action {
        counts[channel, default: 0] += 1
        return counts[channel] == 1 && isConnected ? .subscribe([channel]) : .none
    }

    /// A local subscriber no longer wants `channel`. Unbalanced calls are ignored.
    public mutating func unsubscribeRequested(_ channel: String) -> Action {
        guard let count = counts[channel] else { return .none }
        if count > 1 {
            counts[channel] = count - 1
            return .none
        }
        counts[channel] = nil
        return isConnected ? .unsubscribe([channel]) : .none
    }

    /// A connection is ready: subscribe everything wanted.
    public mutating func connected() -> Action {
        isConnected = true
        return counts.isEmpty ? .none : .subscribe(counts.keys.sorted())
    }

    /// The connection is gone; Redis forgot our subscriptions.
    public mutating func disconnected() {
        isConnected = false
    }
}
