import ChorusTestSupport
import ClusterKit
import Foundation
import Logging
import PostgresNIO
import Testing

/// A database made before contract v1.1 (schema version 3, with rooms, messages and users) is
/// upgraded by the nodes of this version as they start: existing rooms become public and keep
/// their history; no row is rewritten, so the upgrade takes milliseconds even for many rooms.
@Suite struct SchemaUpgradeTests {
    @Test func aV1Database_isUpgradedByStartingNodes_roomsBecomePublic_historyKept() async throws {
        let postgres = try PostgresServer()
        try await postgres.start()
        let logger = Logger(label: "test.upgrade")
        let client = PostgresClient(url: try PostgresURL(postgres.url), poolSize: 2, logger: logger)
        let (owner, room) = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let v1 = Migration.all.filter { $0.version <= 3 }
            #expect(try await Migrator(migrations: v1).migrate(client, logger: logger) == [1, 2, 3])
            // 10,000 rooms of a v1 deployment, one with history.
            var owner: Int64 = 0
            for try await id in try await client.query(
                "INSERT INTO users (username, email, password_hash) VALUES ('olduser', 'old@example.com', 'x') RETURNING id", logger: logger
            ).decode(Int64.self) { owner = id }
            try await client.query(
                "INSERT INTO rooms (name, owner_id) SELECT 'room ' || i, \(owner) FROM generate_series(1, 10000) AS i", logger: logger
            )
            var room: Int64 = 0
            for try await id in try await client.query("SELECT max(id) FROM rooms", logger: logger).decode(Int64.self) { room = id }
            try await client.query(
                """
                INSERT INTO messages (room_id, seq, user_id, username, content) SELECT \(room), s, \(owner), 'olduser', 'old ' || s
                FROM generate_series(1, 3) AS s
                """,
                logger: logger
            )
            try await client.query("UPDATE rooms SET last_seq = 3 WHERE id = \(room)", logger: logger)
            // What the nodes will do at start, timed here.
            let started = ContinuousClock.now
            #expect(try await Migrator().migrate(client, logger: logger) == Migration.all.map(\.version).filter { $0 > 3 })
            print("schema upgrade 3 → \(Migration.all.last?.version ?? 0) with 10,000 rooms took \(started.duration(to: .now))")
            return (owner, room)
        }
        _ = owner

        // Nodes of this version start on it (and find nothing left to migrate).
        let cluster = try await TestCluster(workers: 1, postgres: postgres)
        let user = try await cluster.register("new")
        let api = AccessControlTests.API(cluster: cluster)
        let old = try await api.call(.get, "/v1/rooms/\(room)", user)
        #expect(old.status == 200)
        #expect(old.json["room"]["visibility"].string == "public" && old.json["room"]["topic"].string == "")
        #expect(!old.json["room"]["role"].exists)
        let listed = try await api.call(.get, "/v1/rooms?limit=200", user)
        #expect(listed.json["rooms"].array.count == 200)
        let history = try await api.call(.get, "/v1/rooms/\(room)/messages", user)
        #expect(history.json["messages"].array.compactMap { $0["content"].string } == ["old 1", "old 2", "old 3"])
        let socket = try await cluster.connect(token: user.token)
        socket.send(#"{"type":"join","room_id":\#(room),"since_seq":1}"#)
        #expect(try await socket.next(type: "joined")["last_seq"].int == 3)
        #expect(try await socket.next(type: "message")["seq"].int == 2)
        socket.send(#"{"type":"send","room_id":\#(room),"content":"new"}"#)
        #expect(try await socket.next(type: "ack")["seq"].int == 4)
        // And the new features work on the upgraded database.
        #expect(try await api.call(.post, "/v1/rooms", user, #"{"name":"p","visibility":"private"}"#).status == 201)
        await socket.close()
        await cluster.stop()
        await postgres.stop()
    }
}
