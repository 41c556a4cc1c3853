/// A server process whose CPU and memory a run measures. Postgres is one process per connection
/// under its postmaster, so it is measured as a tree: the postmaster and all its descendants.
public struct ServerProcess: Sendable, Codable, Equatable {
    /// A label (`gateway-1`, `worker-2`, `redis`, `postgres`, or `pid-123` for a bare `--pid`).
    public var name: String
    public var pid: Int32
    /// Also count every descendant (and, through the root's children counters, those that exited).
    public var includeDescendants: Bool
    /// `gateway`, `worker`, `redis`, `postgres` or `other`: the idle scenario divides by the gateways.
    public var role: String

    public init(name: String, pid: Int32, includeDescendants: Bool = false, role: String = "other") {
        self.name = name
        self.pid = pid
        self.includeDescendants = includeDescendants
        self.role = role
    }
}
