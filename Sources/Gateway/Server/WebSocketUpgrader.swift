import NIOCore
import NIOHTTP1

/// Decides a WebSocket upgrade on one connection, for NIO's typed upgrade handler.
///
/// `buildUpgradeResponse` checks the request (`WebSocketUpgradeRequest`) and admits it
/// (`WebSocketAcceptor.admit`); a refusal is remembered and the request falls through to
/// `GatewayChannel`, which answers it with the refusal's status instead of `101`. `upgrade`
/// then builds the WebSocket pipeline. One per connection (it remembers that connection's outcome).
/// Each refusal is counted by its reason (`chorus_gateway_upgrades_refused_total`).
struct WebSocketUpgrader: NIOTypedHTTPServerProtocolUpgrader {
    typealias UpgradeResult = GatewayChannel.UpgradeResult

    private enum Outcome {
        case admitted(WebSocketAcceptor.Admitted)
        case refused(UpgradeRefusal)
    }

    let supportedProtocol = "websocket"
    /// None for NIO to check: `WebSocketUpgradeRequest` checks every header and answers each failure.
    let requiredUpgradeHeaders: [String] = []
    let acceptor: WebSocketAcceptor
    /// Closes a connection whose head does not arrive in time; cancelled once it has.
    let headTimer: Scheduled<Void>
    private let outcome: NIOLoopBoundBox<Outcome?>

    init(acceptor: WebSocketAcceptor, eventLoop: any EventLoop, headTimer: Scheduled<Void>) {
        self.acceptor = acceptor
        self.headTimer = headTimer
        self.outcome = NIOLoopBoundBox(nil, eventLoop: eventLoop)
    }

    /// Why the upgrade was refused, if it was (event loop only).
    var refusal: UpgradeRefusal? {
        if case .refused(let refusal)? = outcome.value { return refusal }
        return nil
    }

    func buildUpgradeResponse(channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders) -> EventLoopFuture<HTTPHeaders> {
        headTimer.cancel()
        let request: WebSocketUpgradeRequest
        do {
            request = try WebSocketUpgradeRequest(upgradeRequest)
        } catch {
            outcome.value = .refused(error)
            acceptor.metrics.upgradeRefused(error.reason)
            return channel.eventLoop.makeFailedFuture(error)
        }
        let acceptor = self.acceptor
        let admitted = channel.eventLoop.makePromise(of: WebSocketAcceptor.Admitted.self)
        admitted.completeWithTask { try await acceptor.admit(request, channel: channel) }
        let answer = channel.eventLoop.makePromise(of: HTTPHeaders.self)
        let outcome = self.outcome
        admitted.futureResult.whenComplete { result in
            switch result {
            case .success(let admitted) where !channel.isActive:
                // The client left while it was being admitted: nothing will upgrade.
                acceptor.release(admitted)
                answer.fail(ChannelError.ioOnClosedChannel)
            case .success(let admitted):
                outcome.value = .admitted(admitted)
                var headers = initialResponseHeaders
                headers.add(name: "Sec-WebSocket-Accept", value: request.accept)
                answer.succeed(headers)
            case .failure(let error):
                let refusal = error as? UpgradeRefusal ?? .unavailable("the upgrade could not be completed, retry", reason: .failed)
                outcome.value = .refused(refusal)
                acceptor.metrics.upgradeRefused(refusal.reason)
                answer.fail(refusal)
            }
        }
        return answer.futureResult
    }

    /// The upgrade did not complete (the channel closed, or the pipeline could not be built): an
    /// admission's slot is freed. Event loop only.
    func upgradeFailed() {
        if case .admitted(let admitted)? = outcome.value {
            outcome.value = nil
            acceptor.release(admitted)
        }
    }

    func upgrade(channel: any Channel, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<UpgradeResult> {
        channel.eventLoop.makeCompletedFuture {
            guard case .admitted(let admitted)? = outcome.value else { throw UpgradeRefusal.unavailable("upgrade without admission", reason: .failed) }
            try acceptor.open(admitted, channel: channel)
            return .webSocket
        }
    }
}
