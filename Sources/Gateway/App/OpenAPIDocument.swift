import Foundation
import Hummingbird

/// `docs/openapi.yaml`, bundled into the gateway and served at `/v1/openapi.yaml`.
enum OpenAPIDocument {
    static let text: String? = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { return nil }
        return try? String(contentsOf: url, encoding: .utf8)
    }()

    static func response() throws -> Response {
        guard let text else { throw APIError.notFound("openapi document") }
        return Response(
            status: .ok,
            headers: [.contentType: "application/yaml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
