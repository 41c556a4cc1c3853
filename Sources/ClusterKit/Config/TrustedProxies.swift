#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The addresses whose `X-Forwarded-For` a gateway believes (`TRUSTED_PROXIES`: IPv4/IPv6
/// addresses or CIDR blocks, comma-separated; default none). Behind a load balancer, the socket's
/// peer is the balancer: per-client limits must see the address it forwards, and only it may say
/// which that is, or any client could name itself anyone.
public struct TrustedProxies: Sendable, Equatable {
    /// One address block: the first `prefix` bits of `bytes` (4 bytes for IPv4, 16 for IPv6).
    struct Block: Sendable, Equatable {
        let bytes: [UInt8]
        let prefix: Int
    }

    let blocks: [Block]

    /// Trusts no one: the socket's peer is the client.
    public static let none = TrustedProxies(blocks: [])

    init(blocks: [Block]) {
        self.blocks = blocks
    }

    /// Parses `["127.0.0.1", "10.0.0.0/8", "::1"]`; throws naming `setting` for an entry that is
    /// not an address or a block.
    public init(_ entries: [String], setting: String = "TRUSTED_PROXIES") throws {
        self.blocks = try entries.map { entry in
            let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let bytes = Self.parse(String(parts[0])) else {
                throw ConfigError(setting: setting, reason: "'\(entry)' is not an IP address or CIDR block")
            }
            var prefix = bytes.count * 8
            if parts.count == 2 {
                guard let bits = Int(parts[1]), (0...bytes.count * 8).contains(bits) else {
                    throw ConfigError(setting: setting, reason: "'\(entry)' has a bad prefix length")
                }
                prefix = bits
            }
            return Block(bytes: bytes, prefix: prefix)
        }
    }

    public var isEmpty: Bool { blocks.isEmpty }

    /// Whether `address` (as a socket prints it) lies in a trusted block.
    public func contains(_ address: String) -> Bool {
        guard !blocks.isEmpty, let bytes = Self.parse(address) else { return false }
        return blocks.contains { $0.contains(bytes) }
    }

    /// The client address of a request from `peer` carrying `forwardedFor` (the values of its
    /// `X-Forwarded-For` headers, in order): the rightmost address that no trusted proxy added,
    /// that is, the last hop before the trusted ones. `peer` itself when it is not trusted or
    /// nothing valid was forwarded.
    public func clientAddress(peer: String?, forwardedFor: [String]) -> String? {
        guard let peer, contains(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var client = peer
        for hop in hops.reversed() {
            guard Self.parse(hop) != nil else { break }  // garbage: believe nothing further left
            client = hop
            if !contains(hop) { break }
        }
        return client
    }

    /// The bytes of an IPv4 or IPv6 address in text (`inet_pton`), nil if it is neither.
    static func parse(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            // An IPv4 client on a dual-stack socket (::ffff:a.b.c.d) is that IPv4 address.
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
            return bytes
        }
        return nil
    }
}

extension TrustedProxies.Block {
    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var bits = prefix
        for index in bytes.indices where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if address[index] & mask != bytes[index] & mask { return false }
            bits -= 8
        }
        return true
    }
}
