/// Everything a run measured: the JSON result file (`--json`) is this value encoded, and the text
/// summary and the HTML report are made from it.
public struct RunResult: Codable, Sendable, Equatable {
    public var tool = "chorus-load"
    public var formatVersion = 1
    public var scenario: String
    /// Wall-clock start, RFC 3339.
    public var startedAt: String
    /// The run's parameters as given (after defaults), for the record.
    public var parameters: [String: String]
    public var gateways: [String]
    /// Measured traffic (fanout, resume; for a ramp the last step; nil for idle and connect-storm).
    public var traffic: TrafficSummary?
    public var sequence: SequenceCheck?
    /// `error` frames by contract code, plus the harness's own failures (`connect_failed`,
    /// `http_503`, `join_unavailable`, ...), over the whole run.
    public var errors: [String: Int64]
    /// Sockets closed by the server or the network, by reason (`close_4008`, `eof`, ...).
    public var closes: [String: Int64]
    public var connections: Int
    public var servers: [ServerUsage]
    /// Sum of all measured server CPU in the window / deliveries that arrived in the window
    /// (`worker-store`: / messages acked in the window).
    public var serverCPUMicrosPerDelivery: Double?
    public var client: ClientUsage?
    public var warnings: [String]
    public var series: [SecondSample]
    public var ramp: RampResult?
    public var idle: IdleResult?
    public var connectStorm: ConnectStormResult?
    public var resume: ResumeResult?
    public var workerStore: WorkerStoreResult?
    /// The run's verdict: everything expected delivered, clean streams, no errors.
    public var passed: Bool
    /// Why it did not pass.
    public var failures: [String]

    public init(scenario: String, startedAt: String, parameters: [String: String], gateways: [String]) {
        self.scenario = scenario
        self.startedAt = startedAt
        self.parameters = parameters
        self.gateways = gateways
        errors = [:]
        closes = [:]
        connections = 0
        servers = []
        warnings = []
        series = []
        passed = true
        failures = []
    }
}
