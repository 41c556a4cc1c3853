import NIOCore
import NIOHTTP1

/// Turns the `400` that HummingbirdWebSocket writes for every declined upgrade into the contract's
/// `401 Unauthorized` on a connection whose upgrade was declined for its token.
///
/// The upgrade decision happens before any HTTP routing, and a declined upgrade is always answered
/// 400 by the framework; `WebSocketAuthMiddleware` adds this handler to the connection when it
/// refuses a token, and the handler rewrites that one response head on its way out.
final class UnauthorizedUpgradeRewriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data), head.status == .badRequest else {
            context.write(data, promise: promise)
            return
        }
        head.status = .unauthorized
        head.headers.replaceOrAdd(name: "WWW-Authenticate", value: #"Bearer realm="chorus""#)
        context.write(wrapOutboundOut(.head(head)), promise: promise)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
