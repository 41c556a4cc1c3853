import ClusterKit
import Prometheus

/// Every metric of a gateway, made once at start-up from the node's registry and handed to the
/// code that counts (see docs/OPERATIONS.md, "Metrics").
///
/// Labelled counters are made here for each label value and kept in arrays indexed by the value
/// (opcode, refusal reason, close code), so that counting is an index and an atomic add: no
/// registry lookup, no label dictionary, no string on a per-frame path. The fan-out path adds to
/// these once per batch of its event loop (`LoopWriter`), not once per socket.
final class GatewayMetrics: Sendable {
    /// What every node kind exports.
    let node: NodeMetrics
    /// Open TCP connections of the gateway's port (REST, upgrades and WebSockets).
    let openConnections: Gauge
    /// Open WebSockets (attached to the `ConnectionRegistry`).
    let openWebSockets: Gauge
    /// WebSocket upgrades refused, by `UpgradeRefusal.Reason.rawValue`.
    private let upgradesRefused: [Counter]
    /// Frames received, by opcode (0...15; the reserved opcodes share one counter).
    let framesReceived: [Counter]
    /// Frames sent, by type.
    let textFramesSent: Counter
    let pingFramesSent: Counter
    let pongFramesSent: Counter
    let closeFramesSent: Counter
    /// Bytes of the frames handed to sockets (WebSocket headers included).
    let sentBytes: Counter
    /// `message` frames written to sockets: live fan-out, one by one, and replays.
    let deliveries: Counter
    /// WebSockets ended, by the close code of their handshake (`closeCodes`, then `other`).
    private let closes: [Counter]
    /// Sockets closed with 4008 because their client did not read.
    let slowConsumerCloses: Counter
    /// From publishing a request to its owner until its answer (or `unavailable`).
    let workerRequestDuration: DurationHistogram
    /// `unavailable` answers: WebSocket `error` frames, REST error bodies.
    let unavailableWebSocket: Counter
    let unavailableREST: Counter
    /// Messages replayed from Postgres.
    let replayedRows: Counter

    /// The close codes with a label of their own; any other code counts as `other`.
    static let closeCodes: [CloseCode] = [
        .normal, .goingAway, .protocolError, .abnormalClosure, .invalidPayload, .policyViolation, .messageTooBig,
        .internalError, .serviceRestart, .tryAgainLater, .tokenRevoked, .slowConsumer,
    ]

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        node = NodeMetrics(registry: registry, kind: .gateway)
        openConnections = registry.makeGauge(name: "chorus_gateway_open_connections", help: "Open TCP connections of the gateway's port.")
        openWebSockets = registry.makeGauge(name: "chorus_gateway_open_websockets", help: "Open WebSockets.")
        upgradesRefused = UpgradeRefusal.Reason.allCases.map { reason in
            registry.makeCounter(
                name: "chorus_gateway_upgrades_refused_total", labels: [("reason", reason.label)],
                help: "WebSocket upgrades refused, by reason."
            )
        }
        func frames(_ direction: String, _ type: String, _ help: String) -> Counter {
            registry.makeCounter(name: "chorus_gateway_frames_\(direction)_total", labels: [("type", type)], help: help)
        }
        let receivedHelp = "WebSocket frames received, by type."
        framesReceived = (0..<16).map { opcode in
            let type = switch opcode {
            case 0x0: "continuation"
            case 0x1: "text"
            case 0x2: "binary"
            case 0x8: "close"
            case 0x9: "ping"
            case 0xA: "pong"
            default: "reserved"
            }
            return frames("received", type, receivedHelp)
        }
        let sentHelp = "WebSocket frames handed to sockets, by type."
        textFramesSent = frames("sent", "text", sentHelp)
        pingFramesSent = frames("sent", "ping", sentHelp)
        pongFramesSent = frames("sent", "pong", sentHelp)
        closeFramesSent = frames("sent", "close", sentHelp)
        sentBytes = registry.makeCounter(name: "chorus_gateway_sent_bytes_total", help: "Bytes of WebSocket frames handed to sockets.")
        deliveries = registry.makeCounter(
            name: "chorus_gateway_deliveries_total", help: "Room messages written to sockets (live fan-out, one by one, replays)."
        )
        closes = (Self.closeCodes.map(\.description) + ["other"]).map { code in
            registry.makeCounter(
                name: "chorus_gateway_closes_total", labels: [("code", code)], help: "WebSockets ended, by the close code of their handshake."
            )
        }
        slowConsumerCloses = registry.makeCounter(
            name: "chorus_gateway_slow_consumer_closes_total", help: "WebSockets closed with 4008 because their client did not read."
        )
        workerRequestDuration = registry.makeDurationHistogram(
            name: "chorus_gateway_worker_request_duration_seconds", buckets: NodeMetrics.latencyBuckets,
            help: "Room requests from publish to the owner's answer (or unavailable)."
        )
        let unavailableHelp = "unavailable answers sent to clients."
        unavailableWebSocket = registry.makeCounter(
            name: "chorus_gateway_unavailable_total", labels: [("via", "websocket")], help: unavailableHelp
        )
        unavailableREST = registry.makeCounter(name: "chorus_gateway_unavailable_total", labels: [("via", "rest")], help: unavailableHelp)
        replayedRows = registry.makeCounter(name: "chorus_gateway_replay_messages_total", help: "Messages replayed from Postgres.")
    }

    func upgradeRefused(_ reason: UpgradeRefusal.Reason) {
        upgradesRefused[reason.rawValue].increment()
    }

    /// A WebSocket ended; `code` is its handshake's close code (1006 when it had none).
    func closed(_ code: CloseCode) {
        let index = Self.closeCodes.firstIndex(of: code) ?? Self.closeCodes.count
        closes[index].increment()
    }

    /// Counts what a `LoopWriter` batch wrote: one add per counter per batch, none when zero.
    func textWritten(frames: Int, bytes: Int, deliveries: Int) {
        if frames > 0 { textFramesSent.increment(by: Int64(frames)) }
        if bytes > 0 { sentBytes.increment(by: Int64(bytes)) }
        if deliveries > 0 { self.deliveries.increment(by: Int64(deliveries)) }
    }

    /// Counts a WebSocket `error` frame's code: `unavailable` ones are counted.
    func answeredWebSocket(_ code: ErrorCode) {
        if code == .unavailable { unavailableWebSocket.increment() }
    }
}
