import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Prometheus
import Synchronization

/// The gateway's cap on open TCP connections (`MAX_CONNECTIONS`): at the cap, Hummingbird's
/// server stops accepting (new clients wait in the listen backlog) until a connection closes.
///
/// The cap sits below the open-file limit, so the process always keeps descriptors for Postgres,
/// Redis and the runtime (libdispatch traps if it cannot open `/proc/self/...`), and the gateway
/// keeps serving its open sockets instead of dying at the limit. Reaching the cap is logged at
/// most once per `logInterval`. Called on the listening channel's event loop only. The open
/// connections are also the gauge `open` (`chorus_gateway_open_connections`).
struct ConnectionCap: AvailableConnectionsDelegate {
    /// Rate-limits the "at the cap" warning across copies of the delegate.
    final class Log: Sendable {
        let logger: Logger
        let interval: Duration
        private let last = Mutex<ContinuousClock.Instant?>(nil)

        init(logger: Logger, interval: Duration) {
            self.logger = logger
            self.interval = interval
        }

        func atLimit(open: Int) {
            let now = ContinuousClock.now
            let due = last.withLock { last in
                guard last.map({ now - $0 >= interval }) ?? true else { return false }
                last = now
                return true
            }
            if due {
                logger.warning("connection limit reached: not accepting until a connection closes", metadata: ["open": "\(open)"])
            }
        }
    }

    let limit: Int
    let log: Log
    let gauge: Gauge?
    private(set) var open = 0

    init(limit: Int, logger: Logger, logInterval: Duration = .seconds(10), gauge: Gauge? = nil) {
        self.limit = limit
        self.log = Log(logger: logger, interval: logInterval)
        self.gauge = gauge
    }

    mutating func connectionOpened() {
        open += 1
        gauge?.set(to: Double(open))
    }

    mutating func connectionClosed() {
        open -= 1
        gauge?.set(to: Double(open))
    }

    func isAcceptingNewConnections() -> Bool {
        guard open >= limit else { return true }
        log.atLimit(open: open)
        return false
    }
}
