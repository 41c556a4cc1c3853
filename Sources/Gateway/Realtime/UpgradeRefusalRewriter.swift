import NIOCore
import NIOHTTP1

/// Turns the `400` that HummingbirdWebSocket writes for every declined upgrade into the status the
/// refusal deserves: the contract's `401 Unauthorized` for a bad token, `503` with `Retry-After`
/// when the gateway admits no more connections right now.
///
/// The upgrade decision happens before any HTTP routing, and a declined upgrade is always answered
/// 400 by the framework; `WebSocketAuthMiddleware` adds this handler to the connection when it
/// refuses, and the handler rewrites that one response head on its way out.
final class UpgradeRefusalRewriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let status: HTTPResponseStatus
    private let headers: [(String, String)]

    init(status: HTTPResponseStatus = .unauthorized, headers: [(String, String)] = [("WWW-Authenticate", #"Bearer realm="chorus""#)]) {
        self.status = status
        self.headers = headers
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data), head.status == .badRequest else {
            context.write(data, promise: promise)
            return
        }
        head.status = status
        for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }
        context.write(wrapOutboundOut(.head(head)), promise: promise)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
