import ClusterKit
import Testing

@Suite struct TrustedProxiesTests {
    @Test func blocksMatchByPrefix() throws {
        let proxies = try TrustedProxies(["127.0.0.1", "10.0.0.0/8", "fd00::/8", "192.168.1.128/25"])
        #expect(proxies.contains("127.0.0.1"))
        #expect(!proxies.contains("127.0.0.2"))
        #expect(proxies.contains("10.200.3.4"))
        #expect(!proxies.contains("11.0.0.1"))
        #expect(proxies.contains("fd12::1"))
        #expect(!proxies.contains("fe80::1"))
        #expect(proxies.contains("192.168.1.200"))
        #expect(!proxies.contains("192.168.1.100"))
        #expect(proxies.contains("::ffff:127.0.0.1"))  // IPv4 on a dual-stack socket
        #expect(!proxies.contains("not an address"))
        #expect(!TrustedProxies.none.contains("127.0.0.1"))
    }

    @Test func badEntriesAreRefusedNamingTheSetting() {
        for entry in ["10.0.0.0/33", "example.com", "10.0.0.1/", "::1/129", "1.2.3.4/x"] {
            #expect(throws: ConfigError.self) { _ = try TrustedProxies([entry]) }
        }
    }

    @Test func theClientIsTheLastHopBeforeTheTrustedOnes() throws {
        let proxies = try TrustedProxies(["127.0.0.1", "10.0.0.0/8"])
        // Not from a proxy: the header is the client's own claim and is ignored.
        #expect(proxies.clientAddress(peer: "203.0.113.5", forwardedFor: ["198.51.100.1"]) == "203.0.113.5")
        // From the balancer: the address it appended (the rightmost), not what the client sent.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["198.51.100.1, 203.0.113.5"]) == "203.0.113.5")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["198.51.100.1", "203.0.113.5"]) == "203.0.113.5")
        // Through two trusted hops.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.5, 10.1.2.3"]) == "203.0.113.5")
        // Nothing valid forwarded: the peer.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: []) == "127.0.0.1")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["garbage"]) == "127.0.0.1")
        #expect(proxies.clientAddress(peer: nil, forwardedFor: ["203.0.113.5"]) == nil)
    }
}
