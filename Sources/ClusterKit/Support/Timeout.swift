import Synchronization

/// Thrown by `withTimeout` when the operation did not finish in time.
public struct TimeoutError: Error, Sendable {}

/// Runs `operation`, throwing `TimeoutError` (and cancelling it) if it takes longer than `timeout`.
///
/// Used around storage calls: a request waiting for an unreachable Postgres answers 503 after the
/// timeout instead of hanging. The caller gets its answer at the deadline even if the operation
/// ignores cancellation (a Postgres pool waiting for a connection after a server restart did, in
/// the fault tests): a task group would wait for the child, which is what made workers hang.
public func withTimeout<T: Sendable>(
    _ timeout: Duration,
    operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = Outcome<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            outcome.start(continuation)
            let work = Task { outcome.finish(with: await Result(catching: { try await operation() })) }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                outcome.finish(with: .failure(TimeoutError()))
            }
            // Once decided, neither is needed: a finished operation ends the timer's sleep at once.
            outcome.onCancel {
                work.cancel()
                timer.cancel()
            }
        }
    } onCancel: {
        outcome.finish(with: .failure(CancellationError()))
    }
}

/// The first result wins; later ones are dropped. Cancels the work and the timer once decided.
private final class Outcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var cancelWork: (@Sendable () -> Void)?
        var done = false
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func onCancel(_ cancel: @escaping @Sendable () -> Void) {
        let already = state.withLock { state -> Bool in
            if state.done { return true }
            state.cancelWork = cancel
            return false
        }
        if already { cancel() }
    }

    func finish(with result: Result<T, any Error>) {
        let (continuation, cancel) = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard !state.done else { return (nil, nil) }
            state.done = true
            if state.continuation == nil { state.early = result }
            defer { state.continuation = nil; state.cancelWork = nil }
            return (state.continuation, state.cancelWork)
        }
        continuation?.resume(with: result)
        cancel?()
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
