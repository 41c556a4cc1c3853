import ChorusTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The web client in a real headless Chromium: `Tests/Browser/chat_browser_test.py` (Selenium 4)
/// drives two browsers, one per gateway of a real cluster, browser B through a proxy of the
/// script's own that cuts its connections. Every scenario and check is in the script; this suite
/// starts the cluster, runs it, streams what it prints and expects exit status 0.
///
/// Needs what `scripts/test` installs and exports (`ensure_browser` in scripts/lib/browser.sh):
/// CHORUS_TEST_PYTHON, CHORUS_TEST_CHROMEDRIVER, CHORUS_TEST_CHROMIUM, CHORUS_TEST_SCREENSHOTS.
/// Without them it fails (never skips). `scripts/test` runs it in a pass of its own after the
/// fault suite: two Chromiums next to the other suites on two cores would make its waits flaky.
@Suite(.serialized) struct BrowserTests {
    static let script = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Browser/chat_browser_test.py")

    @Test(.timeLimit(.minutes(10)))
    func webClient_twoUsersOnTwoGateways_inChromium() async throws {
        let environment = ProcessInfo.processInfo.environment
        var settings: [String: String] = [:]
        for name in ["CHORUS_TEST_PYTHON", "CHORUS_TEST_CHROMEDRIVER", "CHORUS_TEST_CHROMIUM", "CHORUS_TEST_SCREENSHOTS"] {
            settings[name] = try #require(
                environment[name].flatMap { $0.isEmpty ? nil : $0 },
                "\(name) is not set: the browser tests need Chromium, chromedriver and Selenium; run them with scripts/test (e.g. scripts/test -- --filter BrowserTests)"
            )
        }
        let python = settings["CHORUS_TEST_PYTHON"]!
        #expect(FileManager.default.isExecutableFile(atPath: python), "CHORUS_TEST_PYTHON=\(python) is not executable")
        #expect(FileManager.default.fileExists(atPath: Self.script.path))

        let cluster = try await TestCluster(gateways: 2, workers: 2, behindLoadBalancer: false)
        let started = ContinuousClock.now
        let result = await Self.runStreaming(
            python,
            [
                Self.script.path,
                "--gateway-a", "http://127.0.0.1:\(cluster.gateways[0].port)",
                "--gateway-b", "http://127.0.0.1:\(cluster.gateways[1].port)",
                "--screenshots", settings["CHORUS_TEST_SCREENSHOTS"]!,
            ],
            timeout: .seconds(480)
        )
        await cluster.stop()
        print("browser test: exit \(result.status) after \(ContinuousClock.now - started)")
        // Its whole output is above; the issue names the check that failed.
        let failed = result.output.split(separator: "\n").filter { $0.contains("FAILED:") }.joined(separator: "\n")
        #expect(
            result.status == 0,
            "chat_browser_test.py failed (exit \(result.status)): \(failed.isEmpty ? String(result.output.suffix(1500)) : failed) -- screenshots, page sources and console logs in \(settings["CHORUS_TEST_SCREENSHOTS"]!)"
        )
    }

    /// Runs `executable` in a process group of its own (so the browsers and drivers it starts go
    /// with it on a timeout), prints its output line by line as it comes, and returns its exit
    /// status (-1: it could not start or ran past `timeout`) and its whole output.
    static func runStreaming(_ executable: String, _ arguments: [String], timeout: Duration) async -> (status: Int32, output: String) {
        let logFile = TestEnvironment.runDirectory.appendingPathComponent("browser-test-\(UUID().uuidString.prefix(8)).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        var argv = ([executable] + arguments).map { strdup($0) } + [nil]
        var envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logFile.path, O_WRONLY | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        guard spawned == 0 else {
            return (-1, "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }

        var printed = 0
        var pending = Data()
        func stream(final: Bool) {
            guard let data = try? Data(contentsOf: logFile), data.count > printed else {
                if final && !pending.isEmpty { print(String(decoding: pending, as: UTF8.self)) }
                return
            }
            pending.append(data[printed...])
            printed = data.count
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                print(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending = Data(pending[(newline + 1)...])
            }
            if final && !pending.isEmpty { print(String(decoding: pending, as: UTF8.self)) }
        }

        var status: Int32 = 0
        var result: Int32 = -1
        let deadline = ContinuousClock.now + timeout
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid {
                // WIFEXITED / WEXITSTATUS (macros Swift does not import).
                result = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                break
            }
            if ContinuousClock.now >= deadline {
                print("browser test: still running after \(timeout); stopping its process group \(pid)")
                kill(-pid, SIGTERM)
                try? await Task.sleep(for: .seconds(5))
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                result = -1
                break
            }
            stream(final: false)
            try? await Task.sleep(for: .milliseconds(100))
        }
        // Browsers or drivers left behind by a script that died (they share its group).
        kill(-pid, SIGKILL)
        stream(final: true)
        let output = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return (result, output)
    }
}
