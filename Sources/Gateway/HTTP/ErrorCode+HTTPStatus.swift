import ClusterKit
import HTTPTypes

extension ErrorCode {
    /// The HTTP status of a REST answer with this code. The WebSocket-only codes map to what the
    /// same refusal would be over REST: `room_not_found` is 404, `not_joined` 400.
    var status: HTTPResponse.Status {
        switch self {
        case .badRequest, .validationFailed, .notJoined: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound, .roomNotFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }
}
