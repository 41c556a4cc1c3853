import ClusterKit
import Logging
import PostgresNIO

/// The gateway's handle on Postgres: the pool plus the per-request time limit.
///
/// Every store call goes through `run`, so a request never waits on an unreachable Postgres longer
/// than `timeout`; it answers 503 `unavailable` instead. Calls that get no answer from Postgres
/// are counted in `failures`.
struct Database: Sendable {
    let client: PostgresClient
    let timeout: Duration
    let logger: Logger
    var failures: PostgresFailureMetrics?

    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let client = self.client
        do {
            return try await withTimeout(timeout) { try await body(client) }
        } catch {
            failures?.record(error)
            throw error
        }
    }
}

extension PSQLError {
    /// The SQLSTATE of a server error (`23505` is a unique violation).
    var sqlState: String? { serverInfo?[.sqlState] }
    /// The constraint a server error names.
    var constraintName: String? { serverInfo?[.constraintName] }
}
