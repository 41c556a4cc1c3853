import Foundation
import Hummingbird

/// An error the API answers with: a contract error code, a status and a human message.
///
/// Body: `{"error":{"code":"<snake_case>","message":"<human text>"}}`. This type and
/// `ErrorMiddleware` are the one mapping from errors to the wire.
struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    /// The contract's error codes.
    enum Code: String, Codable, Sendable {
        case badRequest = "bad_request"
        case validationFailed = "validation_failed"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case conflict
        case tooLarge = "too_large"
        case rateLimited = "rate_limited"
        case unavailable
        case `internal`

        var status: HTTPResponse.Status {
            switch self {
            case .badRequest, .validationFailed: .badRequest
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            case .tooLarge: .contentTooLarge
            case .rateLimited: .tooManyRequests
            case .unavailable: .serviceUnavailable
            case .internal: .internalServerError
            }
        }
    }

    let code: Code
    let message: String
    var headers: HTTPFields = [:]

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var status: HTTPResponse.Status { code.status }
    var description: String { "\(code.rawValue): \(message)" }

    fileprivate struct Body: Encodable {
        struct Detail: Encodable {
            let code: Code
            let message: String
        }
        let error: Detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = (try? JSONEncoder().encode(Body(error: .init(code: code, message: message)))) ?? Data()
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension APIError {
    static func notFound(_ what: String) -> APIError { APIError(.notFound, "\(what) not found") }
    static let storageUnavailable = APIError(.unavailable, "storage is unavailable, retry later")
}

extension APIError {
    /// The contract's error body, `{"error":{"code":…,"message":…}}`, for answers written outside a route.
    static func body(code: Code, message: String) -> ByteBuffer {
        ByteBuffer(bytes: (try? JSONEncoder().encode(Body(error: .init(code: code, message: message)))) ?? Data())
    }
}
