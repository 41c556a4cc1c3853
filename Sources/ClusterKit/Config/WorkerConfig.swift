/// Configuration of a RoomWorker process.
///
/// Read with `WorkerConfig(from:)` from `config/worker.env` plus the environment; tests build it in code.
public struct WorkerConfig: Sendable {
    /// Settings shared by every node kind.
    public var node: NodeSettings

    public init(node: NodeSettings) {
        self.node = node
    }

    /// Reads every setting from `source`, validating each.
    public init(from source: ConfigSource, processID: Int32) throws {
        self.init(node: try NodeSettings(from: source, kind: "worker", defaultPort: 9100, processID: processID))
    }
}
