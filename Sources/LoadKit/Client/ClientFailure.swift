/// Why a connection, an upgrade or a join did not succeed.
public enum ClientFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The gateway answered the upgrade with this status (503 comes with `Retry-After`).
    case upgradeRefused(status: Int, retryAfter: Int?)
    /// The answer was not a valid WebSocket upgrade.
    case badUpgrade(String)
    /// The server answered a join with an `error` frame of this code.
    case joinRefused(code: String)
    /// No answer in time.
    case timedOut(String)
    /// The connection closed before the answer.
    case closed

    public var description: String {
        switch self {
        case .upgradeRefused(let status, _): "upgrade refused with HTTP \(status)"
        case .badUpgrade(let reason): "bad upgrade answer: \(reason)"
        case .joinRefused(let code): "join refused: \(code)"
        case .timedOut(let what): "\(what) timed out"
        case .closed: "connection closed"
        }
    }
}
