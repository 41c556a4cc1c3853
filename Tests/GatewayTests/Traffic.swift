import ChorusTestSupport
import ClusterKit
import Foundation
import Synchronization
import Testing

/// Continuous traffic while a test injects a fault: several senders spread over the gateways send
/// to several rooms as real clients do (retry `unavailable` with the same `client_msg_id`, reconnect
/// to another gateway when theirs goes away), and a reader on every gateway follows every room,
/// resuming with `since_seq` when its connection is lost.
///
/// `finish()` stops the senders and checks, from the outside, what must hold after any fault: every
/// acked message is in history exactly once with the seq its ack gave, seqs are contiguous per room,
/// and every reader saw every message of every room exactly once, in order.
final class Traffic: Sendable {
    /// Per-connection rate limits lifted, so the senders are limited by `pace` only.
    static let environment = ["WS_RATE_PER_SEC": "100000", "WS_RATE_BURST": "100000"]

    struct Report: Sendable, CustomStringConvertible {
        var acked: [Int64: [String: Int64]] = [:]
        /// `unavailable` answers the senders got (each was retried).
        var unavailable = 0
        /// Sends that got no answer within 10 s (resent) and connections the senders had to reopen.
        var unanswered = 0
        var reconnects = 0
        /// Times a reader lost its connection and resumed on a new one.
        var readerResumes = 0
        /// The longest any one send took from its first attempt to its ack, retries included:
        /// how long a room was not writable, as a client saw it.
        var longestWait: Duration = .zero
        var sends: Int { acked.values.map(\.count).reduce(0, +) }

        var description: String {
            "\(sends) sends acked, \(unavailable) unavailable answers retried, \(unanswered) unanswered, "
                + "\(reconnects) sender reconnects, \(readerResumes) reader resumes, longest wait for an ack \(longestWait)"
        }
    }

    let cluster: TestCluster
    let rooms: [Int64]
    /// The user who created the rooms (reads history).
    let ownerToken: String
    /// The users of every reader and sender: who a room's members list must show while traffic runs.
    let members: Set<Int64>
    private let readers: [Reader]
    private let senders: [Task<Report, any Error>]
    private let followers: [Task<Void, any Error>]
    private let running: Running

    private final class Running: Sendable {
        let flag = Atomic<Bool>(true)
        var isOn: Bool { flag.load(ordering: .relaxed) }
    }

    /// Registers the users, creates `rooms` rooms, connects everyone and starts sending: each sender
    /// sends one message, waits for its ack, pauses `pace`, and goes on with the next room.
    init(on cluster: TestCluster, senders: Int = 3, rooms: Int = 6, pace: Duration = .milliseconds(20), maxWait: Duration = .seconds(30)) async throws {
        self.cluster = cluster
        let owner = try await cluster.register("owner")
        ownerToken = owner.token
        var roomIDs: [Int64] = []
        for _ in 0..<rooms { roomIDs.append(try await cluster.createRoom(token: owner.token)) }
        self.rooms = roomIDs
        let running = Running()
        self.running = running

        var readers: [Reader] = []
        var members: Set<Int64> = []
        for gateway in cluster.gateways.indices {
            let user = try await cluster.register("reader")
            members.insert(user.id)
            readers.append(try await Reader(cluster: cluster, token: user.token, gateway: gateway, rooms: roomIDs))
        }
        self.readers = readers
        followers = readers.map { reader in
            Task {
                while running.isOn {
                    try await reader.resumeIfClosed()
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
        }
        var tasks: [Task<Report, any Error>] = []
        for index in 0..<senders {
            let user = try await cluster.register("sender")
            members.insert(user.id)
            let first = try await Self.connect(cluster, token: user.token, preferring: index % cluster.gateways.count, rooms: roomIDs)
            tasks.append(Task {
                try await Self.send(index: index, cluster: cluster, token: user.token, first: first, rooms: roomIDs, pace: pace, maxWait: maxWait, running: running)
            })
        }
        self.senders = tasks
        self.members = members
    }

    /// The user ids a room's members list shows (through a live gateway).
    func memberIDs(of room: Int64) async -> Set<Int64> {
        let gateway = cluster.gateways[cluster.liveGateway]
        let body = try? await gateway.request("/v1/rooms/\(room)/members", headers: [.authorization: "Bearer \(ownerToken)"]).body
        return Set(JSON(body ?? .init())["members"].array.compactMap { $0["user_id"].int })
    }

    /// Stops the senders and runs every check; returns what the senders saw.
    @discardableResult
    func finish() async throws -> Report {
        running.flag.store(false, ordering: .relaxed)
        var report = Report()
        for sender in senders {
            let part = try await sender.value
            for (room, acks) in part.acked { report.acked[room, default: [:]].merge(acks) { $1 } }
            report.unavailable += part.unavailable
            report.unanswered += part.unanswered
            report.reconnects += part.reconnects
            report.longestWait = max(report.longestWait, part.longestWait)
        }
        for follower in followers { try await follower.value }

        var lastSeqs: [Int64: Int64] = [:]
        for room in rooms {
            let acked = report.acked[room] ?? [:]
            let history = try await cluster.expectIntactHistory(room: room, token: ownerToken, acked: acked)
            #expect(Set(acked.keys).isSubset(of: Set(history.compactMap(\.clientMessageID))), "room \(room): an acked message is missing")
            lastSeqs[room] = Int64(history.count)
        }
        for reader in readers {
            try await reader.resumeIfClosed()
            report.readerResumes += reader.resumes
            try await reader.expectSawEverything(lastSeqs: lastSeqs)
            await reader.close()
        }
        // A client that was never there gets the whole stream from `since_seq: 0`.
        let history = try await cluster.history(room: rooms[0], token: ownerToken)
        try await cluster.expectResumeDelivers(history, room: rooms[0], token: ownerToken, through: cluster.liveGateway)
        return report
    }

    // MARK: Senders

    private static func send(
        index: Int, cluster: TestCluster, token: String, first: ChatClient, rooms: [Int64], pace: Duration, maxWait: Duration, running: Running
    ) async throws -> Report {
        var report = Report()
        var client = first
        var count = 0
        while running.isOn {
            let room = rooms[(index + count) % rooms.count]
            let id = "s\(index)-\(count)"
            let started = ContinuousClock.now
            var seq: Int64?
            var attempts: [String] = []  // what each attempt got, for the failure message
            while seq == nil {
                guard ContinuousClock.now - started < maxWait else {
                    throw TestCluster.Unexpected(
                        what: "\(id) (room \(room)) was not acked within \(maxWait); \(attempts.count) attempts, the last: \(attempts.suffix(12).joined(separator: ", "))"
                    )
                }
                if client.isClosed {
                    // The gateway went away (drain or crash): reconnect to another one, like a real client.
                    await client.close()
                    client = try await connect(cluster, token: token, preferring: index % cluster.gateways.count, rooms: rooms)
                    report.reconnects += 1
                }
                client.send(sendFrame(room: room, id: id))
                guard let answer = try? await client.next("answer to \(id)", timeout: .seconds(10), where: isAnswer(to: id)) else {
                    if !client.isClosed { report.unanswered += 1 }
                    attempts.append(client.isClosed ? "socket closed" : "no answer in 10 s")
                    continue
                }
                attempts.append(answer["type"].string == "ack" ? "ack" : answer["code"].string ?? "?")
                if answer["type"].string == "ack" {
                    seq = answer["seq"].int
                } else {
                    #expect(answer["code"].string == "unavailable", "unexpected error \(answer.value ?? "nil")")
                    report.unavailable += 1
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            report.acked[room, default: [:]][id] = seq
            report.longestWait = max(report.longestWait, ContinuousClock.now - started)
            count += 1
            try await Task.sleep(for: pace)
        }
        await client.close()
        return report
    }

    /// A connection that joined every room (`since` gives a room's `since_seq`), on the preferred
    /// gateway if it runs, else on the next one that accepts; retried for up to 30 s.
    static func connect(_ cluster: TestCluster, token: String, preferring preferred: Int, rooms: [Int64], since: [Int64: Int64] = [:]) async throws -> ChatClient {
        let deadline = ContinuousClock.now + .seconds(30)
        var attempt = 0
        while true {
            let gateway = (preferred + attempt) % cluster.gateways.count
            attempt += 1
            do {
                guard cluster.balancer != nil || cluster.gateways[gateway].process.isRunning else {
                    throw TestCluster.Unexpected(what: "gateway \(gateway + 1) is not running")
                }
                let client = try await cluster.connect(token: token, through: gateway)
                do {
                    for room in rooms {
                        let sinceSeq = since[room].map { #","since_seq":\#($0)"# } ?? ""
                        client.send(#"{"type":"join","room_id":\#(room)\#(sinceSeq)}"#)
                        _ = try await client.next("joined \(room)") { $0["type"].string == "joined" && $0["room_id"].int == room }
                    }
                } catch {
                    await client.close()
                    throw error
                }
                return client
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}

/// A client following every room through a gateway; when its connection is lost it reconnects
/// (to another gateway if needed) and resumes every room from the last seq it saw.
final class Reader: Sendable {
    let cluster: TestCluster
    let token: String
    let gateway: Int
    let rooms: [Int64]
    /// Every connection it had, oldest first.
    private let connections: Mutex<[ChatClient]>

    init(cluster: TestCluster, token: String, gateway: Int, rooms: [Int64]) async throws {
        self.cluster = cluster
        self.token = token
        self.gateway = gateway
        self.rooms = rooms
        connections = Mutex([try await Traffic.connect(cluster, token: token, preferring: gateway, rooms: rooms)])
    }

    /// The seqs received per room, over all connections, in arrival order.
    var seqs: [Int64: [Int64]] {
        var seqs: [Int64: [Int64]] = [:]
        for connection in connections.withLock({ $0 }) {
            for frame in connection.frames where frame["type"].string == "message" {
                if let room = frame["room_id"].int, let seq = frame["seq"].int { seqs[room, default: []].append(seq) }
            }
        }
        return seqs
    }

    var resumes: Int { connections.withLock { $0.count - 1 } }

    func resumeIfClosed() async throws {
        guard let current = connections.withLock({ $0.last }), current.isClosed else { return }
        let since = seqs.mapValues { $0.last ?? 0 }
        let resumed = try await Traffic.connect(cluster, token: token, preferring: gateway, rooms: rooms, since: since.merging(rooms.map { ($0, 0) }) { seen, _ in seen })
        connections.withLock { $0.append(resumed) }
    }

    /// Every room's stream, over all connections, is exactly 1...last: no gap, no duplicate, in order.
    func expectSawEverything(lastSeqs: [Int64: Int64]) async throws {
        let complete = await eventually(timeout: .seconds(20)) {
            lastSeqs.allSatisfy { room, last in (self.seqs[room]?.count ?? 0) >= last }
        }
        let received = seqs
        for (room, last) in lastSeqs {
            let seen = received[room] ?? []
            #expect(seen == Array(stride(from: Int64(1), through: last, by: 1)),
                    "reader on gateway \(gateway + 1), room \(room): \(seen.count) messages, expected 1...\(last); complete=\(complete)")
        }
    }

    func close() async {
        for connection in connections.withLock({ $0 }) { await connection.close() }
    }
}
