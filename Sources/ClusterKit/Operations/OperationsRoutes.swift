import Hummingbird
import Prometheus

/// `/healthz`, `/readyz` and `/metrics`, the same on every node kind.
public struct OperationsRoutes: Sendable {
    let readiness: ReadinessProbe
    let metrics: PrometheusCollectorRegistry

    public init(readiness: ReadinessProbe, metrics: PrometheusCollectorRegistry) {
        self.readiness = readiness
        self.metrics = metrics
    }

    public func add<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("healthz") { _, _ in Self.json(.ok, #"{"status":"ok"}"#) }
        router.get("readyz") { _, _ in
            if let problem = await readiness.check() {
                // The problem may quote an error's text: escaped, so the body stays JSON.
                var body = ByteBuffer(string: #"{"error":{"code":"\#(ErrorCode.unavailable.rawValue)","message":"#)
                JSONWriter.writeEscaped("not ready: \(problem)", into: &body)
                body.writeString("}}")
                return Self.json(.serviceUnavailable, body)
            }
            return Self.json(.ok, #"{"status":"ready"}"#)
        }
        router.get("metrics") { _, _ in
            var bytes: [UInt8] = []
            metrics.emit(into: &bytes)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes))
            )
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        json(status, ByteBuffer(string: body))
    }

    static func json(_ status: HTTPResponse.Status, _ body: ByteBuffer) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }
}
