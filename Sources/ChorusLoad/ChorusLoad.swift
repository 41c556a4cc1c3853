import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `chorus-load`: drives a running Chorus cluster through its public REST + WebSocket contract
/// and measures it.
@main
struct ChorusLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chorus-load",
        abstract: "Load-test harness for a Chorus cluster; it uses only the public REST + WebSocket contract (worker-store: the inter-node wire).",
        discussion: """
            Target: --gateway URL (repeatable) or --cluster-status FILE|- (the JSON of 'scripts/cluster status --json', \
            which also gives the server pids: gateways, workers, Redis, and Postgres with all its descendants).
            Tokens are minted with --jwt-secret (or $JWT_SECRET); rooms are created through the REST API by a \
            registered owner account.

            Output: a progress line per second on stderr, a summary on stdout, --json PATH and --html PATH.
            Exit status: 0 passed, 1 the run finished but failed its checks, 2 the run could not be done \
            (bad arguments, cluster unreachable, limits), 64 usage error.

            Example:
              scripts/cluster status --json > /tmp/status.json
              chorus-load fanout --cluster-status /tmp/status.json --jwt-secret "$JWT_SECRET" \\
                  --clients 2000 --rooms 20 --rate 1000 --payload 100 --duration 30 --json out.json --html out.html
            """,
        subcommands: [Fanout.self, Ramp.self, Idle.self, ConnectStorm.self, Resume.self, WorkerStore.self]
    )
}
