@testable import ClusterKit
import Testing

@Suite struct ConfigTests {
    static let secret = String(repeating: "s", count: 32)

    @Test func environmentWinsOverTheFile() throws {
        let file = try ConfigSource.parse(
            """
            # comment
            PORT=9000
            export LOG_LEVEL="debug"
            JWT_SECRET='\(Self.secret)'
            """,
            file: "test.env"
        )
        var values = file
        values["PORT"] = "9001"
        let config = try GatewayConfig(from: ConfigSource(values: values), processID: 7)
        #expect(config.node.port == 9001)
        #expect(config.node.logLevel == .debug)
        #expect(config.jwtSecret == Self.secret)
        #expect(config.node.nodeID == "gateway-7")
    }

    @Test func defaults() throws {
        let config = try GatewayConfig(from: ConfigSource(values: ["JWT_SECRET": Self.secret]), processID: 1)
        #expect(config.node.port == 8080)
        #expect(config.node.databaseURL == (try PostgresURL("postgres://chorus@127.0.0.1:5432/chorus")))
        #expect(config.node.redisURL == RedisURL(host: "127.0.0.1", port: 6379))
        #expect(config.maxBodyBytes == 65_536)
        #expect(config.corsAllowedOrigins == ["*"])
        #expect(config.tokenTTL == .seconds(86_400))
    }

    @Test func shortSecret_isRefusedNamingTheSetting() {
        #expect(throws: ConfigError(setting: "JWT_SECRET", reason: "must be at least 32 bytes (got 5)")) {
            try GatewayConfig(from: ConfigSource(values: ["JWT_SECRET": "short"]), processID: 1)
        }
    }

    @Test func missingSecret_isRefused() {
        #expect(throws: ConfigError(setting: "JWT_SECRET", reason: "is required")) {
            try GatewayConfig(from: ConfigSource(values: [:]), processID: 1)
        }
    }

    @Test(arguments: [
        ("DATABASE_URL", "mysql://x@y/z"),
        ("DATABASE_URL", "postgres://host-without-user/db"),
        ("DATABASE_URL", "postgres://u@h:5432/"),
        ("DATABASE_URL", "not a url"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("REDIS_URL", "redis://127.0.0.1:6379/x"),
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("LOG_LEVEL", "loud"),
        ("NODE_ID", "has space"),
        ("CORS_ALLOWED_ORIGINS", nil),
    ] as [(String, String?)])
    func invalidSetting_isNamedInTheError(setting: String, value: String?) {
        guard let value else { return }
        var values = ["JWT_SECRET": Self.secret]
        values[setting] = value
        do {
            _ = try GatewayConfig(from: ConfigSource(values: values), processID: 1)
            Issue.record("\(setting)=\(value) was accepted")
        } catch let error as ConfigError {
            #expect(error.setting == setting)
            #expect(error.description.hasPrefix("invalid configuration: \(setting): "))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func urlsAreParsed() throws {
        let pg = try PostgresURL("postgresql://app:p%40ss@db.internal:6543/chat?sslmode=require")
        #expect(pg.host == "db.internal")
        #expect(pg.port == 6543)
        #expect(pg.username == "app")
        #expect(pg.password == "p@ss")
        #expect(pg.database == "chat")
        #expect(pg.tlsMode == .require)
        #expect(pg.description == "postgres://app@db.internal:6543/chat")
        let redis = try RedisURL("redis://:secret@cache:6380/2")
        #expect(redis == RedisURL(host: "cache", port: 6380, password: "secret", database: 2))
    }

    @Test func malformedFileLine_isReported() {
        #expect(throws: ConfigError.self) { try ConfigSource.parse("JUSTAWORD\n", file: "bad.env") }
    }

    @Test func workerConfig_readsSharedSettings() throws {
        let config = try WorkerConfig(from: ConfigSource(values: ["NODE_ID": "worker-9", "PORT": "0"]), processID: 3)
        #expect(config.node.nodeID == "worker-9")
        #expect(config.node.port == 0)
    }
}
