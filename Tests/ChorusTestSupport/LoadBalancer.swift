import Foundation

/// HAProxy in front of a test's gateways, run by the project's `scripts/lib/haproxy.sh` exactly as
/// `scripts/cluster up` runs it: plain and TLS ports (a local CA), least-connections WebSockets,
/// health from `/readyz`, and the runtime API to add, drain and retire gateways.
public final class LoadBalancer: Sendable {
    public let directory: URL
    /// The plain HTTP / `ws://` port, and the HTTPS / `wss://` one.
    public let port: Int
    public let tlsPort: Int
    /// The local CA that signed the TLS port's certificate.
    public var caFile: String { directory.appendingPathComponent("tls/ca.pem").path }

    /// Starts HAProxy in front of `gateways` (name and port each) and waits until it sees them UP;
    /// `spares` names slots in maintenance for gateways to come (as `scripts/cluster` keeps them);
    /// `settings` are haproxy.sh's (`CHORUS_LB_HTTP`, ...).
    public init(gateways: [(name: String, port: Int)], spares: [String] = [], settings: [String: String] = [:]) async throws {
        directory = TestEnvironment.runDirectory.appendingPathComponent(uniqueName("lb"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Three consecutive ports: plain, TLS and (TLS + 1) HAProxy's own metrics.
        var ports: (Int, Int)
        repeat {
            let first = try freePort()
            ports = (first, first + 1)
        } while !isPortFree(ports.1) || !isPortFree(ports.1 + 1)
        (port, tlsPort) = ports
        let slots = gateways.map { "\($0.name)=\($0.port)" } + spares.map { "\($0)=1:off" }
        try await run(settings: settings, "lb_tls_material \(dir) && lb_write_config \(dir) \(port) \(tlsPort) \(slots.joined(separator: " ")) && start_lb \(dir)")
        for gateway in gateways { try await waitUntil(gateway.name, is: "UP") }
    }

    /// Points spare slot `name` at the gateway on `port` and gives it clients once HAProxy sees it
    /// UP: what `scripts/cluster scale gateways +1` does, at run time (no reload, so least
    /// connections still counts the connections the others hold).
    public func admit(_ name: String, port: Int) async throws {
        try await run("lb_point_server \(dir) \(name) \(port) && lb_set_server \(dir) \(name) ready")
        try await waitUntil(name, is: "UP")
    }

    /// Sets a gateway's admin state: `ready`, `drain` (no new clients) or `maint`.
    public func set(_ name: String, _ state: String) async throws {
        try await run("lb_set_server \(dir) \(name) \(state)")
    }

    /// Waits until HAProxy reports the gateway `UP`, `DOWN`, `DRAIN` or `MAINT`.
    public func waitUntil(_ name: String, is status: String, timeout: Int = 15) async throws {
        try await run("lb_wait_server \(dir) \(name) \(status) \(timeout) || { echo \"\(name) is $(lb_server_status \(dir) \(name)), not \(status)\"; exit 1; }")
    }

    /// Connections HAProxy holds to the gateway now.
    public func connections(to name: String) async throws -> Int {
        Int(try await run("lb_connections \(dir) \(name)").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    public func stop() async {
        _ = try? await run("stop_lb \(dir)")
    }

    private var dir: String { "'\(directory.path)'" }

    @discardableResult
    private func run(settings: [String: String] = [:], _ command: String) async throws -> String {
        let scripts = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/lib").path
        return try await Shell.run("source '\(scripts)/services.sh'; source '\(scripts)/haproxy.sh'; \(command)", environment: settings)
    }
}
