import ClusterKit
import Foundation
import Hummingbird

/// An error the API answers with: a contract error code, a status and a human message.
///
/// Body: `{"error":{"code":"<snake_case>","message":"<human text>"}}`. This type and
/// `ErrorMiddleware` are the one mapping from errors to the wire.
struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    /// The contract's error codes: ClusterKit's one vocabulary, also used by WebSocket `error`
    /// frames and worker replies. Its HTTP status is in `ErrorCode+HTTPStatus.swift`.
    typealias Code = ErrorCode

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
