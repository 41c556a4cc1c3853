import Synchronization

/// Every open WebSocket of this gateway, by token and by user, so that a revocation (logout,
/// account deletion) or a drain reaches each of them.
final class ConnectionRegistry: Sendable {
    private struct State {
        var nextID: UInt64 = 0
        var connections: [UInt64: ClientConnection] = [:]
        /// Set by `closeAll`: connections added afterwards are closed at once with its code.
        var closedWith: (code: UInt16, reason: String)?
    }

    private let state = Mutex(State())

    /// A fresh connection id.
    func makeID() -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
    }

    func add(_ connection: ClientConnection) {
        let closed = state.withLock { state in
            state.connections[connection.id] = connection
            return state.closedWith
        }
        if let closed { connection.close(code: closed.code, reason: closed.reason) }
    }

    func remove(_ connection: ClientConnection) {
        _ = state.withLock { $0.connections.removeValue(forKey: connection.id) }
    }

    var count: Int { state.withLock { $0.connections.count } }

    /// Closes the connections opened with token `tokenID` (code 4001).
    func revokeToken(_ tokenID: String) {
        matching { $0.identity.tokenID == tokenID }.forEach { $0.close(code: 4001, reason: "token revoked") }
    }

    /// Closes every connection of `userID` (code 4001).
    func revokeUser(_ userID: Int64) {
        matching { $0.identity.userID == userID }.forEach { $0.close(code: 4001, reason: "account deleted") }
    }

    /// Closes every connection with `code` (1001 on drain).
    func closeAll(code: UInt16, reason: String) {
        let all = state.withLock { state in
            state.closedWith = (code, reason)
            return Array(state.connections.values)
        }
        all.forEach { $0.close(code: code, reason: reason) }
    }

    private func matching(_ predicate: (ClientConnection) -> Bool) -> [ClientConnection] {
        state.withLock { $0.connections.values.filter(predicate) }
    }
}
