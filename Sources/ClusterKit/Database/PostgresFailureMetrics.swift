import PostgresNIO
import Prometheus

/// Storage calls that got no answer from Postgres (`chorus_postgres_failures_total{reason}`):
/// the connection could not be made or was lost (`connection`), or no answer came within the
/// storage timeout (`timeout`, which is what a call waiting for the pool shows while Postgres is
/// down). Errors that Postgres answered (an SQLSTATE) are not counted. postgres-nio's pool does
/// not report its own reconnects, so this is what a node can see of a Postgres outage.
public struct PostgresFailureMetrics: Sendable {
    let connection: Counter
    let timeout: Counter

    public init(registry: PrometheusCollectorRegistry) {
        let help = "Storage calls that got no answer from Postgres (connection failed or lost, or timed out)."
        connection = registry.makeCounter(name: "chorus_postgres_failures_total", labels: [("reason", "connection")], help: help)
        timeout = registry.makeCounter(name: "chorus_postgres_failures_total", labels: [("reason", "timeout")], help: help)
    }

    /// Counts `error` if it says Postgres did not answer; ignores every other error.
    public func record(_ error: any Error) {
        switch Self.reason(of: error) {
        case .connection?: connection.increment()
        case .timeout?: timeout.increment()
        case nil: break
        }
    }

    enum Reason {
        case connection
        case timeout
    }

    static func reason(of error: any Error) -> Reason? {
        switch error {
        case is TimeoutError:
            return .timeout
        case let error as PSQLError:
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed: return .connection
            default: return nil
            }
        case let error as PostgresTransactionError:
            for inner in [error.beginError, error.closureError, error.commitError].compactMap({ $0 }) {
                if let reason = reason(of: inner) { return reason }
            }
            return nil
        default:
            return nil
        }
    }
}
