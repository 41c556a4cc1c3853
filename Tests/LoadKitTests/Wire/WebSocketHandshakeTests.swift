import NIOCore
import Testing

@testable import LoadKit

@Suite struct WebSocketHandshakeTests {
    /// The example of RFC 6455, section 1.3.
    let handshake = WebSocketHandshake(key: "dGhlIHNhbXBsZSBub25jZQ==")

    @Test func theAcceptKeyIsTheRFCsExample() {
        #expect(handshake.expectedAccept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func theRequestCarriesTheTokenAndTheKey() {
        let request = handshake.request(path: "/v1/ws", host: "127.0.0.1:8081", token: "abc")
        #expect(request.hasPrefix("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:8081\r\n"))
        #expect(request.contains("Authorization: Bearer abc\r\n"))
        #expect(request.contains("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"))
        #expect(request.hasSuffix("\r\n\r\n"))
    }

    @Test func anUpgradeLeavesTheFollowingFramesInTheBuffer() {
        var buffer = ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
        buffer.writeBytes([0x81, 0x00])
        #expect(handshake.readAnswer(&buffer) == .upgraded)
        #expect(Array(buffer.readableBytesView) == [0x81, 0x00])
    }

    @Test func anIncompleteHeadIsNotAnAnswerYet() {
        var buffer = ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n")
        #expect(handshake.readAnswer(&buffer) == nil)
        #expect(buffer.readableBytes > 0)
    }

    @Test func aRefusalGivesItsStatusAndRetryAfter() {
        var busy = ByteBuffer(string: "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\ncontent-length: 0\r\n\r\n")
        #expect(handshake.readAnswer(&busy) == .refused(status: 503, retryAfter: 1))
        var unauthorized = ByteBuffer(string: "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n")
        #expect(handshake.readAnswer(&unauthorized) == .refused(status: 401, retryAfter: nil))
    }

    @Test func aWrongAcceptKeyIsInvalid() {
        var buffer = ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nsec-websocket-accept: nope\r\n\r\n")
        guard case .invalid = handshake.readAnswer(&buffer) else {
            Issue.record("accepted a wrong key")
            return
        }
        var garbage = ByteBuffer(string: "SSH-2.0-OpenSSH\r\n\r\n")
        guard case .invalid = handshake.readAnswer(&garbage) else {
            Issue.record("accepted garbage")
            return
        }
    }
}
