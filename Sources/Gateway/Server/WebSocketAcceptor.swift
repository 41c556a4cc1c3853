import ClusterKit
import Foundation
import Logging
import NIOCore
import NIOWebSocket

/// Admits and opens the gateway's WebSockets: the checks of an upgrade, cheapest first, and the
/// pipeline of an upgraded socket.
struct WebSocketAcceptor: Sendable {
    /// An upgrade that passed every check: its identity and its reserved slot in the registry.
    struct Admitted: Sendable {
        let identity: Identity
        let id: UInt64
    }

    let authenticator: Authenticator
    let admission: Admission
    let registry: ConnectionRegistry
    let loopWriters: LoopWriters
    /// What every connection's `ChatSession` uses.
    let services: ChatSession.Services
    let protocolConfiguration: WebSocketStateMachine.Configuration
    /// Bytes a client may let pile up before it is closed with 4008.
    let outboundBufferBytes: Int
    let ratePerSecond: Double
    let rateBurst: Double
    /// Where refusals, sockets and their frames are counted.
    var metrics: GatewayMetrics { loopWriters.metrics }

    /// The receive buffer of a socket: it starts small and grows only for a client that sends
    /// more at once. NIO keeps the largest one a channel used, so this is what an idle socket holds;
    /// 512 bytes take a typical upgrade request in one read (a request split over two reads would
    /// leave NIO holding two buffers).
    static let receiveBuffer = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)

    /// The checks, in order of cost: the token's signature and expiry (CPU only, so a bad token
    /// costs nothing else and takes no admission slot), the admission rate, the connection caps,
    /// and last the revocation lookup in Redis. A lookup that fails refuses (503), never admits.
    func admit(_ request: WebSocketUpgradeRequest, channel: any Channel) async throws(UpgradeRefusal) -> Admitted {
        guard let token = request.token else {
            throw .unauthorized("missing token: use Authorization: Bearer or ?token=", reason: .missingToken)
        }
        guard let identity = await authenticator.tokens.verify(token) else {
            throw .unauthorized("invalid or expired token", reason: .invalidToken)
        }
        guard admission.allow() else { throw .unavailable("too many new connections, retry shortly", reason: .admissionRate) }
        let id: UInt64
        switch registry.reserve(identity) {
        case .success(let reserved): id = reserved
        case .failure(.full): throw .unavailable("this gateway is at its WebSocket limit, retry", reason: .connectionLimit)
        case .failure(.userLimit): throw .userLimit
        }
        // From here the slot is freed by whoever ends the connection: this refusal, the upgrade's
        // failure (`release`), or the connection's end.
        let revoked: Bool
        do {
            revoked = try await authenticator.isRevoked(identity)
        } catch {
            registry.remove(id)
            throw .unavailable("cannot check the token right now, retry", reason: .revocationCheckFailed)
        }
        if revoked {
            registry.remove(id)
            throw .unauthorized("token has been revoked", reason: .revoked)
        }
        return Admitted(identity: identity, id: id)
    }

    /// Makes an upgraded channel a WebSocket connection (on its event loop): the frame decoder,
    /// the connection's handler, and the registration that revocations and drains reach.
    func open(_ admitted: Admitted, channel: any Channel) throws {
        let waterMark = ChannelOptions.Types.WriteBufferWaterMark(low: max(1, outboundBufferBytes / 2), high: max(2, outboundBufferBytes))
        try channel.syncOptions?.setOption(ChannelOptions.writeBufferWaterMark, value: waterMark)
        // One read per wake-up: a chat client sends little, and NIO keeps one receive buffer per
        // read it may do in a row (this also drops any second buffer the handshake left).
        try channel.syncOptions?.setOption(ChannelOptions.maxMessagesPerRead, value: 1)
        let now = NIODeadline.now()
        let machine = WebSocketStateMachine(
            configuration: protocolConfiguration, now: now, expiresAt: Self.deadline(ofUnixSeconds: admitted.identity.expiresAt, now: now)
        )
        let writer = loopWriters.writer(for: channel.eventLoop)
        let handler = WebSocketHandler(machine: machine, timer: writer.timer, metrics: writer.metrics, replayBudget: max(1, outboundBufferBytes / 2))
        let connection = ClientConnection(
            id: admitted.id, identity: admitted.identity, rate: ratePerSecond, burst: rateBurst, socket: handler, writer: writer
        )
        handler.session = ChatSession(connection: connection, services: services)
        let decoder = ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: protocolConfiguration.maxMessageBytes))
        try channel.pipeline.syncOperations.addHandler(decoder)
        try channel.pipeline.syncOperations.addHandler(handler)
        if !registry.attach(connection) {
            // The slot is gone (the gateway's registry lost it): nothing would reach this socket.
            channel.close(promise: nil)
        }
    }

    /// Frees the slot of an admission whose upgrade did not complete (the channel went first).
    func release(_ admitted: Admitted) {
        registry.remove(admitted.id)
    }

    /// The uptime deadline of a Unix time (a token's `exp`), without trapping on any value.
    static func deadline(ofUnixSeconds unix: Int64, now: NIODeadline, wallClock: Double = Date().timeIntervalSince1970) -> NIODeadline {
        let remaining = Double(unix) - wallClock
        let tenYears = 10.0 * 365 * 86_400
        let seconds = remaining.isFinite ? min(max(remaining, 0), tenYears) : tenYears
        return now + .nanoseconds(Int64(seconds * 1e9))
    }
}
