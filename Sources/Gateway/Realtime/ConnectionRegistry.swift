import ClusterKit
import Prometheus
import Synchronization

/// Every WebSocket of this gateway, from the moment its upgrade is admitted, by token and by
/// user: it enforces the connection caps, and a revocation (logout, account deletion) or a drain
/// reaches each of them.
///
/// An upgrade first *reserves* a slot (`reserve`), before the revocation lookup in Redis, and the
/// socket is attached to it once upgraded (`attach`). A revocation that arrives between the two
/// marks the reservation, and the socket is closed with 4001 as soon as it is attached: no logout
/// can slip between the upgrade's check and the socket's registration. The slot is freed when the
/// channel closes (`remove`), whatever happened before. `openSockets` counts the attached ones
/// (`chorus_gateway_open_websockets`).
final class ConnectionRegistry: Sendable {
    /// Why a reservation was refused.
    enum Refusal: Error, Equatable {
        /// `WS_MAX_CONNECTIONS` reached on this gateway.
        case full
        /// `WS_MAX_CONNECTIONS_PER_USER` reached by this user on this gateway.
        case userLimit
    }

    /// An admitted socket not upgraded yet; `revoked`: closed with 4001 (this reason) when attached.
    private struct Reservation {
        let identity: Identity
        var revoked: String?
    }

    private struct State {
        var nextID: UInt64 = 0
        /// Few at a time: upgrades in flight.
        var reserved: [UInt64: Reservation] = [:]
        /// One small entry per open socket (the connection knows its identity).
        var attached: [UInt64: ClientConnection] = [:]
        /// Slot ids (reserved or attached) by user and by token: a revocation finds its sockets
        /// without scanning every socket under the lock. Few per key: arrays, not sets.
        var byUser: [Int64: [UInt64]] = [:]
        var byToken: [String: [UInt64]] = [:]
        /// Set by `closeAll`: connections attached afterwards are closed at once with its code.
        var closedWith: (code: CloseCode, reason: String)?
        /// Drains waiting for the last socket to go, by waiter id.
        var emptyWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var isEmpty: Bool { reserved.isEmpty && attached.isEmpty }
    }

    /// Most WebSockets on this gateway, reserved ones included.
    let maxConnections: Int
    /// Most WebSockets of one user on this gateway.
    let maxPerUser: Int
    private let openSockets: Gauge?
    private let state = Mutex(State())

    init(maxConnections: Int = .max, maxPerUser: Int = .max, openSockets: Gauge? = nil) {
        self.maxConnections = maxConnections
        self.maxPerUser = maxPerUser
        self.openSockets = openSockets
    }

    /// Reserves a slot for a socket of `identity`; its id is the connection's id.
    func reserve(_ identity: Identity) -> Result<UInt64, Refusal> {
        state.withLock { state in
            guard state.reserved.count + state.attached.count < maxConnections else { return .failure(.full) }
            guard state.byUser[identity.userID, default: []].count < maxPerUser else { return .failure(.userLimit) }
            state.nextID += 1
            state.reserved[state.nextID] = Reservation(identity: identity)
            state.byUser[identity.userID, default: []].append(state.nextID)
            state.byToken[identity.tokenID, default: []].append(state.nextID)
            return .success(state.nextID)
        }
    }

    /// Attaches the upgraded socket to its reservation; closes it at once if it was revoked
    /// meanwhile or the gateway is draining. `false` if the slot is gone (the channel closed).
    @discardableResult
    func attach(_ connection: ClientConnection) -> Bool {
        let (found, close) = state.withLock { state -> (Bool, (code: CloseCode, reason: String)?) in
            guard let reservation = state.reserved.removeValue(forKey: connection.id) else { return (false, nil) }
            state.attached[connection.id] = connection
            if let revoked = reservation.revoked { return (true, (.tokenRevoked, revoked)) }
            return (true, state.closedWith)
        }
        if found { openSockets?.increment() }
        if let close { connection.close(code: close.code, reason: close.reason) }
        return found
    }

    /// Frees the slot `id` (reserved or attached); harmless if already free.
    func remove(_ id: UInt64) {
        let (wasAttached, waiters) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
            let identity: Identity
            let attached: Bool
            if let connection = state.attached.removeValue(forKey: id) {
                identity = connection.identity
                attached = true
            } else if let reservation = state.reserved.removeValue(forKey: id) {
                identity = reservation.identity
                attached = false
            } else {
                return (false, [])
            }
            Self.unindex(id, from: &state.byUser, key: identity.userID)
            Self.unindex(id, from: &state.byToken, key: identity.tokenID)
            guard state.isEmpty, !state.emptyWaiters.isEmpty else { return (attached, []) }
            defer { state.emptyWaiters.removeAll() }
            return (attached, Array(state.emptyWaiters.values))
        }
        if wasAttached { openSockets?.decrement() }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once no socket is open (or reserved), or when the task is cancelled: a drain
    /// waits on this state change instead of polling the count.
    func waitUntilEmpty() async {
        let waiterID = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.isEmpty || Task.isCancelled { return true }
                    state.emptyWaiters[waiterID] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.emptyWaiters.removeValue(forKey: waiterID) }?.resume()
        }
    }

    /// Open sockets, reserved ones included.
    var count: Int { state.withLock { $0.reserved.count + $0.attached.count } }

    /// Closes the connections opened with token `tokenID` (code 4001).
    func revokeToken(_ tokenID: String) {
        revoke(reason: "token revoked") { $0.byToken[tokenID] ?? [] }
    }

    /// Closes every connection of `userID` (code 4001).
    func revokeUser(_ userID: Int64) {
        revoke(reason: "account deleted") { $0.byUser[userID] ?? [] }
    }

    /// Closes every connection with `code` (1001 on drain).
    func closeAll(code: CloseCode, reason: String) {
        let all = state.withLock { state in
            state.closedWith = (code, reason)
            return Array(state.attached.values)
        }
        all.forEach { $0.close(code: code, reason: reason) }
    }

    /// Closes the attached sockets among `ids(state)` and marks the reserved ones.
    private func revoke(reason: String, _ ids: (State) -> [UInt64]) {
        let open = state.withLock { state -> [ClientConnection] in
            var open: [ClientConnection] = []
            for id in ids(state) {
                if let connection = state.attached[id] {
                    open.append(connection)
                } else {
                    state.reserved[id]?.revoked = reason
                }
            }
            return open
        }
        open.forEach { $0.close(code: .tokenRevoked, reason: reason) }
    }

    private static func unindex<Key: Hashable>(_ id: UInt64, from index: inout [Key: [UInt64]], key: Key) {
        guard var ids = index[key] else { return }
        ids.removeAll { $0 == id }
        index[key] = ids.isEmpty ? nil : ids
    }
}
