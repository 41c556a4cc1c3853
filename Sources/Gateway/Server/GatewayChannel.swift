import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// One accepted connection of the gateway's single port, which serves both the REST API
/// (Hummingbird's responder) and `GET /v1/ws`.
///
/// Every connection starts as HTTP/1.1 behind NIO's typed upgrade handler. A request that asks
/// for `websocket` goes to `WebSocketUpgrader`, which checks it (RFC 6455, then the token,
/// admission and caps) and either answers `101` and turns the channel into a plain NIO WebSocket
/// pipeline (`WebSocketHandler`), or records a refusal answered here with its status. Every other
/// request goes to Hummingbird exactly as `HTTP1Channel` would serve it. A WebSocket keeps no
/// Swift task: `handle` returns as soon as the upgrade is done.
struct GatewayChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        case webSocket
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, UpgradeRefusal)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    struct Configuration: Sendable {
        /// Longest wait for the first complete request head; then the connection is closed.
        var headerTimeout: TimeAmount = .seconds(10)
        /// Longest idle wait between REST requests on a keep-alive connection.
        var idleTimeout: Duration = .seconds(60)
    }

    let responder: HTTPChannelHandler.Responder
    let configuration: Configuration
    let acceptor: WebSocketAcceptor

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: WebSocketAcceptor.receiveBuffer)
            // Slow or silent clients: no complete head in time, no connection.
            let headTimer = channel.eventLoop.scheduleTask(in: configuration.headerTimeout) { channel.close(promise: nil) }
            let upgrader = WebSocketUpgrader(acceptor: acceptor, eventLoop: channel.eventLoop, headTimer: headTimer)
            let idleTimeout = configuration.idleTimeout
            let notUpgrading = NIOTypedHTTPServerUpgradeConfiguration<UpgradeResult>(upgraders: [upgrader]) { channel in
                channel.eventLoop.makeCompletedFuture {
                    headTimer.cancel()
                    try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: idleTimeout, logger: logger))
                    let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true)
                    )
                    if let refusal = upgrader.refusal { return .refused(http, refusal) }
                    return .http(http)
                }
            }
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: notUpgrading)
            pipeline.enablePipelining = false  // NIOAsyncChannel serialises requests
            pipeline.enableErrorHandling = false  // Hummingbird answers parse errors
            pipeline.enableResponseHeaderValidation = false  // HTTPTypes validates
            let upgradeResult = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            upgradeResult.whenFailure { _ in upgrader.upgradeFailed() }
            return Value(upgradeResult: upgradeResult, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .webSocket:
                return
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let refusal):
                try await http.executeThenClose { _, outbound in
                    var head = HTTPResponse(status: refusal.status, headerFields: refusal.headers)
                    let body = APIError.body(code: refusal.code, message: refusal.message)
                    head.headerFields[.connection] = "close"
                    head.headerFields[.contentType] = "application/json; charset=utf-8"
                    head.headerFields[.contentLength] = String(body.readableBytes)
                    try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
                }
            }
        } catch {
            logger.trace("connection ended during its upgrade", metadata: ["error": "\(error)"])
        }
    }
}
