import Foundation
import Hummingbird
import HummingbirdWSClient
import Logging
import NIOCore
import NIOSSL
import NIOWebSocket
import Synchronization

/// A real WebSocket client of a gateway, for tests: sends JSON text frames and records every frame
/// it receives, in order.
public final class ChatClient: Sendable {
    /// What the connection task records; shared with it.
    private final class Recorder: Sendable {
        let received = Mutex<[JSON]>([])
        let closeCode = Mutex<WebSocketErrorCode??>(nil)
    }

    private let recorder = Recorder()
    private let cursor = Mutex(0)
    private let outgoing: AsyncStream<String>.Continuation
    private let task: Task<WebSocketErrorCode?, any Error>

    /// Connects to `ws://127.0.0.1:<port>/v1/ws` with the token in the header (or in `?token=`);
    /// with `trusting`, to `wss://` over TLS, trusting the certificates in that PEM file.
    public init(port: Int, token: String, tokenInQuery: Bool = false, maxFrameSize: Int = 1 << 20, trusting caFile: String? = nil) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        outgoing = continuation
        let recorder = self.recorder
        let opened = AsyncStream.makeStream(of: Void.self)
        // TLS names the host (SNI and the certificate's name): `localhost`, never an IP address.
        let origin = caFile == nil ? "ws://127.0.0.1:\(port)" : "wss://localhost:\(port)"
        let url = tokenInQuery ? "\(origin)/v1/ws?token=\(token)" : "\(origin)/v1/ws"
        var tls: TLSConfiguration?
        if let caFile {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .file(caFile)
            tls = configuration
        }
        var headers: HTTPFields = [:]
        if !tokenInQuery { headers[.authorization] = "Bearer \(token)" }
        let configuration = WebSocketClientConfiguration(maxFrameSize: maxFrameSize, additionalHeaders: headers)
        var logger = Logger(label: "test.ws")
        logger.logLevel = .critical
        task = Task {
            defer {
                // Also when the connect fails (refused) or the connection breaks: the initializer
                // waits on `opened`, and `isClosed` must become true.
                recorder.closeCode.withLock { if $0 == nil { $0 = .some(nil) } }
                opened.continuation.finish()
            }
            let close = try await WebSocketClient.connect(url: url, configuration: configuration, tlsConfiguration: tls, logger: logger) { inbound, outbound, _ in
                opened.continuation.yield()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await text in stream { try await outbound.write(.text(text)) }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 24) {
                            if case .text(let text) = message { recorder.received.withLock { $0.append(JSON(text: text)) } }
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
            recorder.closeCode.withLock { $0 = .some(close?.closeCode) }
            return close?.closeCode
        }
        var iterator = opened.stream.makeAsyncIterator()
        guard await iterator.next() != nil else {
            _ = try await task.value
            throw ConnectFailed()
        }
    }

    public struct ConnectFailed: Error {}
    public struct Timeout: Error, CustomStringConvertible {
        public let waitingFor: String
        public let seen: [String]
        public var description: String { "timed out waiting for \(waitingFor); last frames: \(seen.suffix(8))" }
    }

    /// Sends one text frame.
    public func send(_ text: String) {
        outgoing.yield(text)
    }

    /// Every frame received so far.
    public var frames: [JSON] { recorder.received.withLock { $0 } }

    /// The next not-yet-consumed frame matching `predicate` (frames before it are consumed too).
    public func next(
        _ description: String = "a frame", timeout: Duration = .seconds(10), where predicate: (JSON) -> Bool = { _ in true }
    ) async throws -> JSON {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = recorder.received.withLock { frames -> JSON? in
                cursor.withLock { index in
                    while index < frames.count {
                        let frame = frames[index]
                        index += 1
                        if predicate(frame) { return frame }
                    }
                    return nil
                }
            }
            if let found { return found }
            if ContinuousClock.now > deadline || recorder.closeCode.withLock({ $0 }) != nil && recorder.received.withLock({ $0.count }) == cursor.withLock({ $0 }) {
                throw Timeout(waitingFor: description, seen: frames.map { String(describing: $0.value ?? "nil") })
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The first frame ever received matching `predicate`, consumed or not (for frames whose order
    /// relative to others is not fixed, like a sender's `ack` and its own `message`).
    public func any(
        _ description: String, timeout: Duration = .seconds(10), where predicate: @escaping (JSON) -> Bool
    ) async throws -> JSON {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = recorder.received.withLock({ $0.first(where: predicate) }) { return found }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw Timeout(waitingFor: description, seen: frames.map { String(describing: $0.value ?? "nil") })
    }

    /// The next frame of `type`.
    public func next(type: String, timeout: Duration = .seconds(10)) async throws -> JSON {
        try await next("type \(type)", timeout: timeout) { $0["type"].string == type }
    }

    /// Closes from the client side and waits for the end.
    public func close() async {
        outgoing.finish()
        _ = try? await task.value
    }

    /// `true` once the connection has ended (closed by either side, or failed).
    public var isClosed: Bool { recorder.closeCode.withLock { $0 } != nil }

    /// Waits until the server closes the connection; returns its close code.
    public func closedCode(timeout: Duration = .seconds(10)) async -> WebSocketErrorCode? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let code = recorder.closeCode.withLock({ $0 }) { return code }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
