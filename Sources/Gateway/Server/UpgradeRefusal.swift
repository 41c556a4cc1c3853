import HTTPTypes

/// Why a WebSocket upgrade was refused, and the HTTP answer it gets instead of `101`: the
/// contract's error body, with `Connection: close`. Made before any per-connection state exists.
struct UpgradeRefusal: Error, Equatable {
    let status: HTTPResponse.Status
    let code: APIError.Code
    let message: String
    var headers: HTTPFields = [:]

    static func badRequest(_ message: String) -> UpgradeRefusal {
        UpgradeRefusal(status: .badRequest, code: .badRequest, message: message)
    }

    static func unauthorized(_ message: String) -> UpgradeRefusal {
        UpgradeRefusal(status: .unauthorized, code: .unauthorized, message: message, headers: [.wwwAuthenticate: #"Bearer realm="chorus""#])
    }

    /// A WebSocket version other than 13 (RFC 6455 §4.2.2: 426 naming the versions we speak).
    static let unsupportedVersion = UpgradeRefusal(
        status: .upgradeRequired, code: .badRequest, message: "unsupported WebSocket version: use 13",
        headers: [HTTPField.Name("Sec-WebSocket-Version")!: "13"]
    )

    static let notFound = UpgradeRefusal(status: .notFound, code: .notFound, message: "no WebSocket endpoint here: use /v1/ws")

    /// Busy: the admission rate or the connection cap; the client retries shortly.
    static func unavailable(_ message: String) -> UpgradeRefusal {
        UpgradeRefusal(status: .serviceUnavailable, code: .unavailable, message: message, headers: [.retryAfter: "1"])
    }

    static let userLimit = UpgradeRefusal(
        status: .tooManyRequests, code: .rateLimited, message: "too many open WebSockets for this user on this gateway"
    )
}
