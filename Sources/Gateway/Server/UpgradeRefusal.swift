import HTTPTypes

/// Why a WebSocket upgrade was refused, and the HTTP answer it gets instead of `101`: the
/// contract's error body, with `Connection: close`. Made before any per-connection state exists.
struct UpgradeRefusal: Error, Equatable {
    /// The refusal's kind, the `reason` label of `chorus_gateway_upgrades_refused_total`.
    enum Reason: Int, CaseIterable, Sendable {
        /// Not a valid upgrade request (RFC 6455 §4.2.1): 400.
        case badRequest
        /// A `Sec-WebSocket-Version` other than 13: 426.
        case unsupportedVersion
        /// An upgrade on another path than `/v1/ws`: 404.
        case notFound
        /// No token: 401.
        case missingToken
        /// A token with a bad signature, or expired: 401.
        case invalidToken
        /// A revoked token or a deleted account: 401.
        case revoked
        /// Over `WS_ACCEPT_PER_SEC` / `WS_ACCEPT_BURST`: 503.
        case admissionRate
        /// `WS_MAX_CONNECTIONS` reached: 503.
        case connectionLimit
        /// `WS_MAX_CONNECTIONS_PER_USER` reached: 429.
        case userLimit
        /// Neither Redis nor Postgres could say whether the token is revoked: 503.
        case revocationCheckFailed
        /// Anything else that stopped the upgrade: 503.
        case failed

        /// The label value (snake case).
        var label: String {
            switch self {
            case .badRequest: "bad_request"
            case .unsupportedVersion: "unsupported_version"
            case .notFound: "not_found"
            case .missingToken: "missing_token"
            case .invalidToken: "invalid_token"
            case .revoked: "revoked"
            case .admissionRate: "admission_rate"
            case .connectionLimit: "connection_limit"
            case .userLimit: "user_limit"
            case .revocationCheckFailed: "revocation_check_failed"
            case .failed: "failed"
            }
        }
    }

    let status: HTTPResponse.Status
    let code: APIError.Code
    let message: String
    var headers: HTTPFields = [:]
    let reason: Reason

    static func badRequest(_ message: String) -> UpgradeRefusal {
        UpgradeRefusal(status: .badRequest, code: .badRequest, message: message, reason: .badRequest)
    }

    static func unauthorized(_ message: String, reason: Reason) -> UpgradeRefusal {
        UpgradeRefusal(
            status: .unauthorized, code: .unauthorized, message: message, headers: [.wwwAuthenticate: #"Bearer realm="chorus""#],
            reason: reason
        )
    }

    /// A WebSocket version other than 13 (RFC 6455 §4.2.2: 426 naming the versions we speak).
    static let unsupportedVersion = UpgradeRefusal(
        status: .upgradeRequired, code: .badRequest, message: "unsupported WebSocket version: use 13",
        headers: [HTTPField.Name("Sec-WebSocket-Version")!: "13"], reason: .unsupportedVersion
    )

    static let notFound = UpgradeRefusal(
        status: .notFound, code: .notFound, message: "no WebSocket endpoint here: use /v1/ws", reason: .notFound
    )

    /// Busy: the admission rate or the connection cap; the client retries shortly.
    static func unavailable(_ message: String, reason: Reason) -> UpgradeRefusal {
        UpgradeRefusal(status: .serviceUnavailable, code: .unavailable, message: message, headers: [.retryAfter: "1"], reason: reason)
    }

    static let userLimit = UpgradeRefusal(
        status: .tooManyRequests, code: .rateLimited, message: "too many open WebSockets for this user on this gateway",
        reason: .userLimit
    )
}
