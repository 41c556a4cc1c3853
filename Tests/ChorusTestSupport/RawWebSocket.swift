import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bare WebSocket client on a POSIX socket: it upgrades, then reads only when told to. Tests use
/// it to be the client that never reads (slow consumer) and to see the raw HTTP answer of a
/// refused upgrade.
public final class RawWebSocket: @unchecked Sendable {
    // @unchecked: the socket is used from one test task only.
    private let fd: Int32
    /// The HTTP status line and headers of the upgrade answer.
    public let responseHead: String
    /// Bytes of a frame that `readTexts` read only in part (the rest comes with the next read).
    private var partial: [UInt8] = []

    /// Connects and sends an upgrade request for `path`; `receiveBuffer` shrinks the socket's
    /// receive buffer (so that a client that does not read fills up quickly).
    ///
    /// `handshake` replaces the standard upgrade headers (Upgrade, Connection, key, version) when
    /// given, to send a broken handshake.
    public init(
        port: Int, path: String, headers: [String: String] = [:], handshake: [(String, String)]? = nil, receiveBuffer: Int32? = nil
    ) throws {
        let fd = try Self.connect(port: port, receiveBuffer: receiveBuffer)
        self.fd = fd
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        let standard = [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
        ]
        for (name, value) in handshake ?? standard { request += "\(name): \(value)\r\n" }
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        _ = request.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, 0) }
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.ends(with: [13, 10, 13, 10]) {
            guard recv(fd, &byte, 1, 0) == 1 else { break }
            head.append(byte)
        }
        responseHead = String(decoding: head, as: UTF8.self)
    }

    /// `init`, on a thread of its own (see `offThePool`): for a gateway in the test's process.
    public static func open(
        port: Int, path: String, headers: [String: String] = [:], handshake: [(String, String)]? = nil, receiveBuffer: Int32? = nil
    ) async throws -> RawWebSocket {
        try await offThePool { try RawWebSocket(port: port, path: path, headers: headers, handshake: handshake, receiveBuffer: receiveBuffer) }
    }

    /// `readUntilClosed`, on a thread of its own (see `offThePool`).
    public func untilClosed() async -> UInt16? {
        (try? await Self.offThePool { self.readUntilClosed() }) ?? nil
    }

    /// `readTexts`, on a thread of its own (see `offThePool`).
    public func texts(for timeout: Duration) async -> [String] {
        (try? await Self.offThePool { self.readTexts(for: timeout) }) ?? []
    }

    /// Runs blocking socket calls on a new thread. A gateway running in the test's own process
    /// shares the cooperative threads (two on two cores) with the test: a test blocked in `recv`
    /// there would starve the very gateway it waits for.
    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// A TCP connection to `port` that sends nothing at all (not even a request head).
    public static func silent(port: Int) throws -> RawWebSocket {
        try RawWebSocket(port: port, silent: true)
    }

    private init(port: Int, silent: Bool) throws {
        fd = try Self.connect(port: port, receiveBuffer: nil)
        responseHead = ""
    }

    /// A blocking TCP connection to 127.0.0.1:`port` whose reads time out after 10 s.
    private static func connect(port: Int, receiveBuffer: Int32?) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        return fd
    }

    /// The value of header `name` in the upgrade answer.
    public func header(_ name: String) -> String? {
        for line in responseHead.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// The status code of the upgrade answer.
    public var status: Int {
        Int(responseHead.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// Sends one masked text frame (clients must mask).
    public func sendText(_ text: String, fin: Bool = true) {
        sendFrame(opcode: 0x1, payload: Array(text.utf8), fin: fin)
    }

    /// Sends one frame exactly as described, also one that breaks RFC 6455 (unmasked, RSV bits,
    /// any opcode), to see how the server answers it.
    public func sendFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, masked: Bool = true) {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 0x70) | (opcode & 0x0F)]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            frame.append(maskBit | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame.append(maskBit | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        if masked {
            let mask: [UInt8] = [1, 2, 3, 4]
            frame += mask
            frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        } else {
            frame += payload
        }
        var offset = 0
        while offset < frame.count {
            let sent = frame[offset...].withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Reads until the server closes the connection (or `timeout` of silence); returns the close
    /// frame's code if one was seen.
    public func readUntilClosed() -> UInt16? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        return Self.closeCode(in: data)
    }

    /// Reads server frames for up to `timeout` (or until the connection ends) and returns the
    /// payloads of the text frames.
    public func readTexts(for timeout: Duration) -> [String] {
        let deadline = ContinuousClock.now + timeout
        var data = partial
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var wait = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        defer {
            var restore = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &restore, socklen_t(MemoryLayout<timeval>.size))
        }
        while ContinuousClock.now < deadline {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { break }
            if count > 0 { data += buffer[0..<count] }
        }
        var texts: [String] = []
        var index = 0
        var frameStart = 0
        while index + 2 <= data.count {
            let opcode = data[index] & 0x0F
            var length = Int(data[index + 1] & 0x7F)
            index += 2
            if length == 126, index + 2 <= data.count {
                length = Int(data[index]) << 8 | Int(data[index + 1])
                index += 2
            }
            guard index + length <= data.count else { break }
            if opcode == 0x1 { texts.append(String(decoding: data[index..<index + length], as: UTF8.self)) }
            index += length
            frameStart = index
        }
        partial = Array(data[frameStart...])
        return texts
    }

    /// Parses server frames and returns the code of the first close frame.
    static func closeCode(in data: [UInt8]) -> UInt16? {
        var index = 0
        while index + 2 <= data.count {
            let opcode = data[index] & 0x0F
            var length = Int(data[index + 1] & 0x7F)
            index += 2
            if length == 126, index + 2 <= data.count {
                length = Int(data[index]) << 8 | Int(data[index + 1])
                index += 2
            } else if length == 127, index + 8 <= data.count {
                length = data[index..<index + 8].reduce(0) { $0 << 8 | Int($1) }
                index += 8
            }
            if opcode == 0x8, length >= 2, index + 2 <= data.count {
                return UInt16(data[index]) << 8 | UInt16(data[index + 1])
            }
            index += length
        }
        return nil
    }

    /// Closes the socket now (no close frame), as a client that goes away does.
    public func closeNow() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    deinit {
        close(fd)
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
