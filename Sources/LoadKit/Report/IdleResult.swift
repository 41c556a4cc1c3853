/// Idle connections and what they cost.
public struct IdleResult: Codable, Sendable, Equatable {
    public var requested: Int
    public var joined: Int
    /// Still open at the end of the hold.
    public var openAtEnd: Int
    public var holdSeconds: Double
    /// Sum of the gateways' RSS growth / joined connections, bytes.
    public var gatewayBytesPerConnection: Double?
    /// Per gateway: name → RSS growth, bytes.
    public var gatewayRSSDelta: [String: Int64]
    /// All measured servers' RSS growth / joined connections, bytes.
    public var serverBytesPerConnection: Double?
    /// This harness's RSS growth / joined connections, bytes.
    public var clientBytesPerConnection: Double
    /// Source addresses the connections were spread over (empty: the kernel's default).
    public var sourceAddresses: [String]
}
