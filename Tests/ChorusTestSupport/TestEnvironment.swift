import ClusterKit
import Foundation

/// The real servers the integration tests use, started by `scripts/test`.
public enum TestEnvironment {
    /// Postgres of this test run (`CHORUS_TEST_DATABASE_URL`).
    public static var databaseURL: PostgresURL {
        get throws { try PostgresURL(try value("CHORUS_TEST_DATABASE_URL"), setting: "CHORUS_TEST_DATABASE_URL") }
    }

    /// Redis of this test run (`CHORUS_TEST_REDIS_URL`).
    public static var redisURL: RedisURL {
        get throws { try RedisURL(try value("CHORUS_TEST_REDIS_URL"), setting: "CHORUS_TEST_REDIS_URL") }
    }

    /// Where built executables are (`CHORUS_BIN_DIR`, else `.build/debug` of this checkout).
    public static var binDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["CHORUS_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        return repositoryRoot.appendingPathComponent(".build/debug")
    }

    /// Whether clusters sit behind HAProxy unless a test says otherwise (`CHORUS_TEST_BEHIND_LB=1`,
    /// set by `scripts/test` for its pass of the suites through the balancer).
    public static var behindLoadBalancer: Bool {
        ProcessInfo.processInfo.environment["CHORUS_TEST_BEHIND_LB"] == "1"
    }

    /// The checkout this test was built from.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A scratch directory for this run's files (`CHORUS_TEST_RUN_DIR`, else a temporary one).
    public static var runDirectory: URL {
        let base = ProcessInfo.processInfo.environment["CHORUS_TEST_RUN_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("chorus-tests")
        try? FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        return base
    }

    private static func value(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw MissingServer(variable: name)
        }
        return value
    }

    /// An integration test ran without the servers `scripts/test` provides.
    public struct MissingServer: Error, CustomStringConvertible {
        public let variable: String
        public var description: String {
            "\(variable) is not set: integration tests need real Redis and Postgres; run them with scripts/test"
        }
    }
}

/// A unique suffix for names created by a test, so parallel tests and reruns never collide.
public func uniqueName(_ prefix: String) -> String {
    "\(prefix)\(UInt32.random(in: 0...UInt32.max))\(UInt16.random(in: 0...UInt16.max))"
}
