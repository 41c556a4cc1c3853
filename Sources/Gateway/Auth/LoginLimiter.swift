import Synchronization

/// Per-client limits on password attempts: a token bucket per client address (logins and
/// registrations) and one per account named in a login (case-insensitive), so that one client
/// cannot take the hashing budget every user shares, and nobody can guess one account's password
/// at speed. Time is passed in (seconds, any monotonic clock).
///
/// The tables are bounded: past `maxKeys` entries a table is emptied (a spray of addresses or
/// account names then resets the buckets it filled, but cannot grow memory).
final class LoginLimiter: Sendable {
    let perAddressPerMinute: Int
    let perAccountPerMinute: Int
    let maxKeys: Int
    private let state = Mutex<(addresses: [String: TokenBucket], accounts: [String: TokenBucket])>(([:], [:]))

    init(perAddressPerMinute: Int, perAccountPerMinute: Int, maxKeys: Int = 100_000) {
        self.perAddressPerMinute = perAddressPerMinute
        self.perAccountPerMinute = perAccountPerMinute
        self.maxKeys = maxKeys
    }

    /// Takes one attempt for `address` (if known) and, for a login, `account`; `false` if either
    /// is over its limit.
    func allow(address: String?, account: String?, now: Double) -> Bool {
        state.withLock { state in
            if let address, !Self.take(&state.addresses, address, perMinute: perAddressPerMinute, maxKeys: maxKeys, now: now) {
                return false
            }
            if let account, !Self.take(&state.accounts, account.lowercased(), perMinute: perAccountPerMinute, maxKeys: maxKeys, now: now) {
                return false
            }
            return true
        }
    }

    private static func take(_ table: inout [String: TokenBucket], _ key: String, perMinute: Int, maxKeys: Int, now: Double) -> Bool {
        if table[key] == nil && table.count >= maxKeys { table.removeAll(keepingCapacity: true) }
        var bucket = table[key] ?? TokenBucket(rate: Double(perMinute) / 60, burst: Double(perMinute))
        let allowed = bucket.take(now: now)
        table[key] = bucket
        return allowed
    }
}
