import ChorusTestSupport
import Foundation
import Testing

/// RFC 6455 on a real gateway over a real socket: each rule a client can break gets the close
/// code (or HTTP status) the RFC asks for. The pure state machine has the exhaustive tests; these
/// check that the gateway really answers with them.
@Suite struct WebSocketConformanceTests {
    private func withSocket(_ body: (_ port: Int, _ token: String) async throws -> Void) async throws {
        let cluster = try await TestCluster(gateways: 1, workers: 1)
        let user = try await cluster.register()
        try await body(cluster.gateways[0].port, user.token)
        await cluster.stop()
    }

    private func open(_ port: Int, _ token: String) async throws -> RawWebSocket {
        let socket = try await RawWebSocket.open(port: port, path: "/v1/ws?token=\(token)")
        #expect(socket.status == 101, "\(socket.responseHead)")
        return socket
    }

    @Test func framingViolations_closeWithTheRFCsCodes() async throws {
        try await withSocket { port, token in
            var socket = try await open(port, token)
            socket.sendFrame(opcode: 0x1, payload: Array(#"{"type":"ping"}"#.utf8), masked: false)
            #expect(await socket.untilClosed() == 1002, "unmasked frame")

            socket = try await open(port, token)
            socket.sendFrame(opcode: 0x1, payload: Array(#"{"type":"ping"}"#.utf8), rsv: 0x40)
            #expect(await socket.untilClosed() == 1002, "RSV1 without an extension")

            socket = try await open(port, token)
            socket.sendFrame(opcode: 0x0, payload: Array("orphan".utf8))
            #expect(await socket.untilClosed() == 1002, "continuation without a message")

            socket = try await open(port, token)
            socket.sendFrame(opcode: 0x1, payload: Array("{".utf8), fin: false)
            socket.sendFrame(opcode: 0x1, payload: Array("{}".utf8))
            #expect(await socket.untilClosed() == 1002, "a new message inside a fragmented one")

            socket = try await open(port, token)
            socket.sendFrame(opcode: 0x5, payload: [])
            #expect(await socket.untilClosed() == 1002, "reserved opcode")
        }
    }

    @Test func invalidUTF8_closesWith1007() async throws {
        try await withSocket { port, token in
            var socket = try await open(port, token)
            socket.sendFrame(opcode: 0x1, payload: [0x22, 0xC0, 0xAF, 0x22])
            #expect(await socket.untilClosed() == 1007, "invalid text frame")

            socket = try await open(port, token)
            socket.sendFrame(opcode: 0x1, payload: Array("ok".utf8), fin: false)
            socket.sendFrame(opcode: 0x0, payload: [0xED, 0xA0, 0x80], fin: false)  // fails before the message ends
            #expect(await socket.untilClosed() == 1007, "invalid fragment")

            socket = try await open(port, token)
            socket.sendFrame(opcode: 0x8, payload: [0x03, 0xE8, 0xCE, 0xBA, 0xE1, 0xBD])
            #expect(await socket.untilClosed() == 1007, "close reason not UTF-8")
        }
    }

    @Test func oversizedAndEndlessFragmentedMessages_areRefused() async throws {
        try await withSocket { port, token in
            var socket = try await open(port, token)
            let half = [UInt8](repeating: 0x61, count: 40_000)
            socket.sendFrame(opcode: 0x1, payload: half, fin: false)
            socket.sendFrame(opcode: 0x0, payload: half)
            #expect(await socket.untilClosed() == 1009, "fragmented message over 64 KiB")

            socket = try await open(port, token)
            socket.sendFrame(opcode: 0x1, payload: [], fin: false)
            for _ in 0..<2_000 { socket.sendFrame(opcode: 0x0, payload: [], fin: false) }
            #expect(await socket.untilClosed() == 1008, "endless empty continuations")
        }
    }

    @Test func theCloseHandshake_echoesTheClientsCode_andInvalidCodesAre1002() async throws {
        try await withSocket { port, token in
            var socket = try await open(port, token)
            socket.sendFrame(opcode: 0x8, payload: [0x0B, 0xB8])  // 3000
            #expect(await socket.untilClosed() == 3000)

            socket = try await open(port, token)
            socket.sendFrame(opcode: 0x8, payload: [0x03, 0xED])  // 1005 may not be sent
            #expect(await socket.untilClosed() == 1002)
        }
    }

    @Test func badHandshakes_getHTTPAnswers_neverA101() async throws {
        try await withSocket { port, token in
            let path = "/v1/ws?token=\(token)"
            let noConnection = try await RawWebSocket.open(
                port: port, path: path, handshake: [("Upgrade", "websocket"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13")]
            )
            #expect(noConnection.status == 400, "\(noConnection.responseHead)")
            let oldVersion = try await RawWebSocket.open(
                port: port, path: path,
                handshake: [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "8")]
            )
            #expect(oldVersion.status == 426, "\(oldVersion.responseHead)")
            #expect(oldVersion.header("Sec-WebSocket-Version") == "13")
            let badKey = try await RawWebSocket.open(
                port: port, path: path, handshake: [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "short"), ("Sec-WebSocket-Version", "13")]
            )
            #expect(badKey.status == 400, "\(badKey.responseHead)")
            let elsewhere = try await RawWebSocket.open(port: port, path: "/v1/rooms?token=\(token)")
            #expect(elsewhere.status == 404, "\(elsewhere.responseHead)")
        }
    }
}
