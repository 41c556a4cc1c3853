/// Thrown by `withTimeout` when the operation did not finish in time.
public struct TimeoutError: Error, Sendable {}

/// Runs `operation`, cancelling it and throwing `TimeoutError` if it takes longer than `timeout`.
///
/// Used around storage calls inside requests: a request waiting for an unreachable Postgres answers
/// 503 after the timeout instead of hanging.
public func withTimeout<T: Sendable>(
    _ timeout: Duration,
    operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimeoutError()
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw TimeoutError() }
        return result
    }
}
