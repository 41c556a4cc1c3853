import ChorusTestSupport
import Foundation
import Testing

/// The other limits of an internet-facing gateway, on a real one.
@Suite struct GatewayLimitsTests {
    @Test func aUserPastItsSocketCap_gets429_andBadTokensSpendNoAdmission() async throws {
        let cluster = try await TestCluster(
            gateways: 1, workers: 1,
            environment: ["WS_MAX_CONNECTIONS_PER_USER": "2", "WS_ACCEPT_PER_SEC": "1", "WS_ACCEPT_BURST": "3"]
        )
        let port = cluster.gateways[0].port
        let user = try await cluster.register()
        // Bad tokens are refused before admission: they take none of the 3 slots of the burst.
        for _ in 0..<10 { #expect(try await RawWebSocket.open(port: port, path: "/v1/ws?token=forged").status == 401) }
        let first = try await RawWebSocket.open(port: port, path: "/v1/ws?token=\(user.token)")
        let second = try await RawWebSocket.open(port: port, path: "/v1/ws?token=\(user.token)")
        #expect(first.status == 101 && second.status == 101)
        let third = try await RawWebSocket.open(port: port, path: "/v1/ws?token=\(user.token)")
        #expect(third.status == 429, "\(third.responseHead)")
        _ = (first, second)
        await cluster.stop()
    }

    @Test func silentConnections_areClosedByTheHeaderTimeout_andSilentWebSocketsAfterAnUnansweredPing() async throws {
        let cluster = try await TestCluster(
            gateways: 1, workers: 1,
            // 2 s each: on a loaded machine (the in-process suites share the test process) a
            // 1 s pong timeout sometimes closed the client that does answer, and a 500 ms header
            // timeout closed the test's own REST and WebSocket clients between their connect and
            // their first write ("I/O on closed channel").
            environment: ["HTTP_HEADER_TIMEOUT_MS": "2000", "WS_PING_INTERVAL_MS": "2000", "WS_PONG_TIMEOUT_MS": "2000"]
        )
        let port = cluster.gateways[0].port
        let user = try await cluster.register()
        // A client that answers pings (the library client does) stays; one that never answers goes.
        let answering = try await cluster.connect(token: user.token)
        // Blocking reads off the cooperative threads: the answering client needs one to answer
        // its pings (a test blocked in recv there made it miss its pong under load).
        let silent = try await RawWebSocket.open(port: port, path: "/v1/ws?token=\(user.token)")
        #expect(silent.status == 101)
        let started = ContinuousClock.now
        #expect(await silent.untilClosed() == 1001)
        #expect(ContinuousClock.now - started < .seconds(10))
        answering.send(#"{"type":"ping"}"#)
        _ = try await answering.next(type: "pong")
        #expect(!answering.isClosed)

        // A connection that never sends its request head is closed after the header timeout.
        let quiet = try RawWebSocket.silent(port: port)
        let connected = ContinuousClock.now
        #expect(await quiet.untilClosed() == nil)  // closed without a byte
        #expect(ContinuousClock.now - connected < .seconds(8))
        await answering.close()
        await cluster.stop()
    }

    @Test func everyFrame_countsAgainstTheRateLimit_alsoBinaryAndUnparseableOnes() async throws {
        let cluster = try await TestCluster(gateways: 1, workers: 1, environment: ["WS_RATE_PER_SEC": "1", "WS_RATE_BURST": "3"])
        let user = try await cluster.register()
        let socket = try await RawWebSocket.open(port: cluster.gateways[0].port, path: "/v1/ws?token=\(user.token)")
        #expect(socket.status == 101)
        for _ in 0..<3 { socket.sendFrame(opcode: 0x2, payload: [1, 2, 3]) }  // binary: the burst
        socket.sendText("not json")
        socket.sendText(#"{"type":"ping"}"#)
        let texts = await socket.texts(for: .seconds(1))
        #expect(texts.count == 5, "\(texts)")
        #expect(texts.prefix(3).allSatisfy { $0.contains("bad_request") }, "\(texts)")
        #expect(texts.dropFirst(3).allSatisfy { $0.contains("rate_limited") }, "\(texts)")
        await cluster.stop()
    }
}
