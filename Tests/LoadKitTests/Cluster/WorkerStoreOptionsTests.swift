import Foundation
import LoadKit
import Testing
import WorkerLoad

/// Where `chorus-load worker-store` finds the servers' URLs once `scripts/cluster status` masks passwords.
@Suite struct WorkerStoreOptionsTests {
    static func status(redis: String, postgres: String) throws -> ClusterStatus {
        try ClusterStatus.decode(Data(#"""
            {"gateways":[{"id":"gateway-1","url":"http://127.0.0.1:8081","pid":101}],"workers":[{"id":"worker-1","url":"http://127.0.0.1:9101","pid":201}],
             "redis":{"url":"\#(redis)","pid":301},"postgres":{"url":"\#(postgres)","pid":401}}
            """#.utf8))
    }

    static func options(_ status: ClusterStatus, redis: String? = nil, database: String? = nil, environment: [String: String]) throws -> WorkerStoreOptions {
        try WorkerStoreOptions(
            status: status, redisURL: redis, databaseURL: database, check: true, clusterName: "chorus", rooms: 1, users: 1, window: 1,
            payload: 10, warmup: 0, duration: 1, drain: 0, onlyWorkers: [], progress: false, jsonPath: nil, htmlPath: nil,
            environment: environment
        )
    }

    let masked = try! status(redis: "redis://chorus:***@127.0.0.1:6390", postgres: "postgres://chorus:***@127.0.0.1:5440/chorus")

    @Test func maskedStatus_withoutOptionsOrEnvironment_isAClearError() {
        do {
            _ = try Self.options(masked, environment: [:])
            Issue.record("a masked URL was accepted")
        } catch let error as LoadError {
            #expect(error.code == .badArgument)
            #expect(error.message.contains("--redis-url") && error.message.contains("REDIS_URL"), "\(error.message)")
            #expect(error.message.contains("node.env"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        // Redis given, Postgres still masked.
        #expect(throws: LoadError.self) { try Self.options(masked, redis: "redis://chorus:pw@127.0.0.1:6390", environment: [:]) }
    }

    @Test func environment_thenOption_win() throws {
        let environment = ["REDIS_URL": "redis://chorus:envpw@127.0.0.1:6390", "DATABASE_URL": "postgres://chorus:dbpw@127.0.0.1:5440/chorus"]
        let fromEnvironment = try Self.options(masked, environment: environment)
        #expect(fromEnvironment.redisURL.username == "chorus" && fromEnvironment.redisURL.password == "envpw")
        #expect(fromEnvironment.databaseURL?.password == "dbpw")
        let fromOptions = try Self.options(
            masked, redis: "redis://chorus:optpw@127.0.0.1:6391", database: "postgres://chorus:optdb@127.0.0.1:5441/chorus", environment: environment
        )
        #expect(fromOptions.redisURL.password == "optpw" && fromOptions.redisURL.port == 6391)
        #expect(fromOptions.databaseURL?.password == "optdb")
    }

    @Test func unmaskedStatus_isUsed() throws {
        let status = try Self.status(redis: "redis://127.0.0.1:6390", postgres: "postgres://chorus@127.0.0.1:5440/chorus")
        let options = try Self.options(status, environment: [:])
        #expect(options.redisURL.port == 6390 && options.redisURL.password == nil)
        #expect(options.databaseURL?.port == 5440)
    }
}
