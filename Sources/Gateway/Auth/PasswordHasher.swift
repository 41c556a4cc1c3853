import Foundation
import NIOPosix
import Synchronization
import _CryptoExtras

/// Hashes and checks passwords with scrypt, on a thread pool, never on an event loop.
///
/// Stored form: `scrypt$<log2 N>$<r>$<p>$<salt, base64>$<key, base64>`, so the cost can be raised
/// later and old hashes still verify. At most `maxPending` hashes wait for a thread; past that
/// `hash`/`verify` throw `rate_limited`, so a login storm cannot queue work (and 32 MiB per scrypt
/// call) without bound.
final class PasswordHasher: Sendable {
    private let log2N: Int
    private let blockSize = 8
    private let parallelism = 1
    private let threadPool: NIOThreadPool
    private let maxPending: Int
    private let pending = Atomic<Int>(0)
    /// A hash of a random password, checked when a login names an unknown user so that the answer
    /// takes as long as for a wrong password.
    private let decoy: String

    init(log2N: Int, maxPending: Int, threadPool: NIOThreadPool = .singleton) {
        self.log2N = log2N
        self.maxPending = maxPending
        self.threadPool = threadPool
        self.decoy = "scrypt$\(log2N)$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + Data(count: 32).base64EncodedString()
    }

    /// The stored form of `password`.
    func hash(_ password: String) async throws -> String {
        let log2N = self.log2N
        let blockSize = self.blockSize
        let parallelism = self.parallelism
        return try await runLimited {
            var salt = [UInt8](repeating: 0, count: 16)
            var generator = SystemRandomNumberGenerator()
            for index in salt.indices { salt[index] = generator.next() }
            let key = try Self.derive(password, salt: salt, log2N: log2N, blockSize: blockSize, parallelism: parallelism)
            return "scrypt$\(log2N)$\(blockSize)$\(parallelism)$\(Data(salt).base64EncodedString())$\(key.base64EncodedString())"
        }
    }

    /// Whether `password` matches `stored`; `nil` stored checks the decoy and returns `false`.
    func verify(_ password: String, against stored: String?) async throws -> Bool {
        let encoded = stored ?? decoy
        let matches = try await runLimited { () -> Bool in
            let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 6, parts[0] == "scrypt",
                let log2N = Int(parts[1]), (1...24).contains(log2N),
                let blockSize = Int(parts[2]), let parallelism = Int(parts[3]),
                let salt = Data(base64Encoded: String(parts[4])),
                let expected = Data(base64Encoded: String(parts[5]))
            else { return false }
            let key = try Self.derive(password, salt: Array(salt), log2N: log2N, blockSize: blockSize, parallelism: parallelism)
            return Self.constantTimeEquals(key, expected)
        }
        return stored != nil && matches
    }

    private static func derive(_ password: String, salt: [UInt8], log2N: Int, blockSize: Int, parallelism: Int) throws -> Data {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32,
            rounds: 1 << log2N, blockSize: blockSize, parallelism: parallelism
        )
        return key.withUnsafeBytes { Data($0) }
    }

    private static func constantTimeEquals(_ lhs: Data, _ rhs: Data) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(lhs, rhs) { difference |= a ^ b }
        return difference == 0
    }

    private func runLimited<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let waiting = pending.add(1, ordering: .relaxed).newValue
        defer { pending.subtract(1, ordering: .relaxed) }
        guard waiting <= maxPending else {
            var error = APIError(.rateLimited, "too many logins in progress, retry shortly")
            error.headers[.retryAfter] = "1"
            throw error
        }
        return try await threadPool.runIfActive(work)
    }
}
