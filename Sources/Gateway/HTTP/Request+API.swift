import Foundation
import Hummingbird

extension Request {
    /// Decodes the JSON body as `T`, reading at most `limit` bytes.
    ///
    /// Over the limit: 413 `too_large`. Not JSON, wrong types, missing fields: 400 `bad_request`
    /// with a message naming the field.
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError(.tooLarge, "request body is larger than \(limit) bytes")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await self.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.tooLarge, "request body is larger than \(limit) bytes")
        }
        guard buffer.readableBytes > 0 else { throw APIError(.badRequest, "request body must be a JSON object") }
        do {
            return try JSONDecoder().decode(T.self, from: buffer)
        } catch let error as DecodingError {
            throw APIError(.badRequest, Self.describe(error))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return field.isEmpty ? "request body must be a JSON object" : "field '\(field)' has the wrong type"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return field.isEmpty ? "request body is not valid JSON" : "field '\(field)' is invalid"
        @unknown default:
            return "request body is not valid"
        }
    }

    /// The integer query parameter `name`, or `nil` when absent. Non-numeric or negative: 400.
    func nonNegativeQuery(_ name: String) throws -> Int64? {
        guard let raw = uri.queryParameters.get(name) else { return nil }
        guard let value = Int64(raw), value >= 0 else {
            throw APIError(.badRequest, "'\(name)' must be a non-negative integer")
        }
        return value
    }

    /// The `limit` query parameter: `defaultValue` when absent, capped at `maximum`.
    func limitQuery(default defaultValue: Int = 50, maximum: Int = 200) throws -> Int {
        guard let value = try nonNegativeQuery("limit") else { return defaultValue }
        return Int(min(value, Int64(maximum)))
    }
}

extension ByteBuffer {
    /// Lets `JSONDecoder` read straight from a buffer.
    fileprivate var data: Data { Data(readableBytesView) }
}

extension JSONDecoder {
    fileprivate func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        try decode(type, from: buffer.data)
    }
}

extension Parameters {
    /// The path parameter `name` as an id; a non-numeric id names nothing, so it is 404 `not_found`.
    func id(_ name: String = "id", what: String) throws -> Int64 {
        guard let raw = get(name), let value = Int64(raw), value > 0 else { throw APIError.notFound(what) }
        return value
    }
}
