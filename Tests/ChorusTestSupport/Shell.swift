import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the project's shell scripts from tests and waits for them.
///
/// posix_spawn + waitpid, polled from async code: Foundation's `Process` did not notice a shell's
/// exit from a Swift concurrency thread here.
public enum Shell {
    public struct Failed: Error, CustomStringConvertible {
        public let command: String
        public let status: Int32
        public let output: String
        public var description: String { "`\(command)` failed (status \(status)): \(output.suffix(2000))" }
    }

    /// Runs `command` with bash (`set -euo pipefail`), `environment` added; returns its stdout and
    /// stderr together. Throws `Failed` on a non-zero exit or after `timeout`.
    @discardableResult
    public static func run(_ command: String, environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws -> String {
        let outputFile = TestEnvironment.runDirectory.appendingPathComponent("shell-\(UUID().uuidString.prefix(8)).out")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let script = "set -euo pipefail; cd '\(TestEnvironment.repositoryRoot.path)'; { \(command); } >'\(outputFile.path)' 2>&1"
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        let arguments: [String] = ["/bin/bash", "-c", script]
        let variables: [String] = env.map { "\($0.key)=\($0.value)" }
        var argv = arguments.map { strdup($0) } + [nil]
        var envp = variables.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", nil, nil, &argv, &envp) == 0 else {
            throw Failed(command: command, status: -1, output: "cannot spawn bash")
        }
        var status: Int32 = 0
        let deadline = ContinuousClock.now + timeout
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw Failed(command: command, status: -1, output: "timed out after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        guard status == 0 else { throw Failed(command: command, status: status, output: output) }
        return output
    }

    /// Runs a function of `scripts/lib/services.sh` (start_redis, crash_postgres, ...).
    @discardableResult
    public static func services(_ command: String, timeout: Duration = .seconds(120)) async throws -> String {
        let library = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/lib/services.sh").path
        return try await run("source '\(library)'; \(command)", timeout: timeout)
    }
}
