import Crypto
import Foundation
import NIOCore

/// The HTTP/1.1 upgrade of a WebSocket client, written and read by hand so that a connection needs
/// one handler and no HTTP codec that would stay in the pipeline.
public struct WebSocketHandshake: Sendable {
    /// `Sec-WebSocket-Key`: 16 random bytes, base64.
    public let key: String

    public init(key: String = WebSocketHandshake.randomKey()) {
        self.key = key
    }

    public static func randomKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }

    /// The upgrade request for `path` on `host` (`host:port`) with the token as a Bearer header.
    public func request(path: String, host: String, token: String) -> String {
        "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer \(token)\r\n\r\n"
    }

    /// The `Sec-WebSocket-Accept` a server must answer for `key`.
    public var expectedAccept: String {
        let digest = Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))
        return Data(digest).base64EncodedString()
    }

    /// The server's answer to the upgrade.
    public enum Answer: Sendable, Equatable {
        /// 101 with the right accept key: frames follow.
        case upgraded
        /// Any other status; `retryAfter` from a 503's `Retry-After` (seconds).
        case refused(status: Int, retryAfter: Int?)
        /// 101 without the right accept key, or not HTTP.
        case invalid(String)
    }

    /// Reads the response head from the front of `buffer`; nil until the whole head (up to the
    /// blank line) is there. On success the head is consumed and what follows stays in `buffer`.
    public func readAnswer(_ buffer: inout ByteBuffer) -> Answer? {
        let view = buffer.readableBytesView
        guard let end = Self.endOfHead(view) else {
            return buffer.readableBytes > 16_384 ? .invalid("response head over 16 KiB") : nil
        }
        let head = String(decoding: view[view.startIndex..<end], as: UTF8.self)
        buffer.moveReaderIndex(forwardBy: end - view.startIndex + 4)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            return .invalid("not an HTTP response: \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard status == 101 else {
            return .refused(status: status, retryAfter: headers["retry-after"].flatMap { Int($0) })
        }
        guard headers["sec-websocket-accept"] == expectedAccept else {
            return .invalid("wrong Sec-WebSocket-Accept")
        }
        return .upgraded
    }

    private static func endOfHead(_ view: ByteBufferView) -> ByteBufferView.Index? {
        guard view.count >= 4 else { return nil }
        var index = view.startIndex
        let last = view.endIndex - 4
        while index <= last {
            if view[index] == 13, view[index + 1] == 10, view[index + 2] == 13, view[index + 3] == 10 { return index }
            index += 1
        }
        return nil
    }
}
