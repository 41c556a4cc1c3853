import ArgumentParser
import Foundation
import LoadKit

#if canImport(Glibc)
import Glibc
#endif

/// Runs one scenario and turns its outcome into the exit status: 0 passed, 1 failed its checks,
/// 2 could not run (the message says why, never a stack trace).
enum Runner {
    static func execute(
        scenario: String, target: TargetOptions, connections: Int, _ body: @escaping @Sendable (LoadDriver) async throws -> RunResult
    ) async throws {
        // A peer that closes first must not kill the harness with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let result: RunResult
        do {
            let driver = try await LoadDriver.start(scenario: scenario, options: target, connections: connections)
            result = try await driver.run(body)
        } catch let error as LoadError {
            FileHandle.standardError.write(Data("chorus-load: error: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
        if !result.passed { throw ExitCode(1) }
    }

    /// The JSON of `scripts/cluster status --json` at `path` (`-` for stdin).
    static func clusterStatus(at path: String) throws -> ClusterStatus {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw LoadError.badArgument("cannot read --cluster-status \(path)")
            }
            data = contents
        }
        return try ClusterStatus.decode(data)
    }

    /// Converts an argument problem found while building the options into a usage error.
    static func options<T>(_ make: () throws -> T) throws -> T {
        do {
            return try make()
        } catch let error as LoadError {
            throw ValidationError(error.message)
        }
    }
}
