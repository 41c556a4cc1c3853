import NIOHTTP1
import Testing

@testable import Gateway

/// RFC 6455 §4.2.1 for the opening handshake: each missing or wrong part is refused with its status.
@Suite struct WebSocketUpgradeRequestTests {
    static let valid: [(String, String)] = [
        ("Host", "chat.example"), ("Upgrade", "websocket"), ("Connection", "keep-alive, Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
    ]

    private func head(uri: String = "/v1/ws", method: HTTPMethod = .GET, version: HTTPVersion = .http1_1, _ headers: [(String, String)] = valid) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(headers))
    }

    private func without(_ name: String) -> [(String, String)] { Self.valid.filter { $0.0 != name } }

    private func replacing(_ name: String, with value: String) -> [(String, String)] {
        without(name) + [(name, value)]
    }

    private func refusal(_ head: HTTPRequestHead) -> UpgradeRefusal? {
        do {
            _ = try WebSocketUpgradeRequest(head)
            return nil
        } catch {
            return error
        }
    }

    @Test func aValidRequest_givesTheRFCsAcceptValue_andTheToken() throws {
        let request = try WebSocketUpgradeRequest(head(uri: "/v1/ws?token=abc", Self.valid))
        #expect(request.accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")  // RFC 6455 §1.3
        #expect(request.token == "abc")
        let bearer = try WebSocketUpgradeRequest(head(Self.valid + [("Authorization", "Bearer xyz")]))
        #expect(bearer.token == "xyz")
    }

    @Test func missingConnectionUpgrade_is400() {
        #expect(refusal(head(without("Connection")))?.status == .badRequest)
        #expect(refusal(head(replacing("Connection", with: "keep-alive")))?.status == .badRequest)
    }

    @Test func aVersionOtherThan13_is426_naming13() throws {
        let refused = try #require(refusal(head(replacing("Sec-WebSocket-Version", with: "8"))))
        #expect(refused.status == .upgradeRequired)
        #expect(refused.headers[.init("Sec-WebSocket-Version")!] == "13")
        #expect(refusal(head(without("Sec-WebSocket-Version")))?.status == .upgradeRequired)
    }

    @Test func aBadKey_is400() {
        #expect(refusal(head(without("Sec-WebSocket-Key")))?.status == .badRequest)
        #expect(refusal(head(replacing("Sec-WebSocket-Key", with: "c2hvcnQ=")))?.status == .badRequest)
        #expect(refusal(head(replacing("Sec-WebSocket-Key", with: "not base64 at all!!")))?.status == .badRequest)
    }

    @Test func theWrongMethodOrHTTPVersion_is400_andAnotherPath404() {
        #expect(refusal(head(method: .POST))?.status == .badRequest)
        #expect(refusal(head(version: .http1_0))?.status == .badRequest)
        #expect(refusal(head(uri: "/v1/rooms"))?.status == .notFound)
    }
}
