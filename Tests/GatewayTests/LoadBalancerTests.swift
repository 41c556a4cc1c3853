import ChorusTestSupport
import Foundation
import Testing

/// The contract through HAProxy, as `scripts/cluster up` runs it: REST and WebSockets on one
/// address, plain and over TLS (the local CA), and the client address the gateways count.
@Suite struct LoadBalancerTests {
    /// `curl` through the balancer: `https` over the TLS port with the local CA; prints the status
    /// code after the body.
    func curl(_ balancer: LoadBalancer, tls: Bool, _ arguments: String) async throws -> (status: Int, body: String) {
        let origin = tls ? "--cacert '\(balancer.caFile)' https://localhost:\(balancer.tlsPort)" : "http://127.0.0.1:\(balancer.port)"
        let output = try await Shell.run("curl -sS -w '\\n%{http_code}' \(arguments.replacingOccurrences(of: "ORIGIN", with: origin))")
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test func restAndWebSockets_plainAndTLS_throughOneAddress() async throws {
        let cluster = try await TestCluster(workers: 2, behindLoadBalancer: true)
        let balancer = try #require(cluster.balancer)
        let name = uniqueName("lb")
        let register = #"-H 'content-type: application/json' -d '{"username":"\#(name)","email":"\#(name)@example.com","password":"password-1"}' ORIGIN/v1/auth/register"#
        let registered = try await curl(balancer, tls: true, register)
        #expect(registered.status == 201, "\(registered.body)")
        let token = try #require(JSON(text: registered.body)["token"].string)
        let created = try await curl(balancer, tls: false, #"-H 'authorization: Bearer \#(token)' -H 'content-type: application/json' -d '{"name":"lb room"}' ORIGIN/v1/rooms"#)
        #expect(created.status == 201, "\(created.body)")
        let room = try #require(JSON(text: created.body)["room"]["id"].int)
        // The nodes' metrics are Prometheus', not the internet's.
        #expect(try await curl(balancer, tls: false, "ORIGIN/metrics").status == 404)

        // One client per transport; least connections puts them on different gateways.
        let plain = try await cluster.connect(token: token, through: 0)
        let secure = try await cluster.connect(token: token, through: 1)
        for client in [plain, secure] {
            client.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await client.next(type: "joined")
        }
        secure.send(#"{"type":"send","room_id":\#(room),"client_msg_id":"tls-1","content":"over wss"}"#)
        #expect(try await secure.next(type: "ack")["seq"].int == 1)
        for client in [plain, secure] {
            // `any`: the sender's own message may come before its ack.
            #expect(try await client.any("the message") { $0["type"].string == "message" }["content"].string == "over wss")
        }
        await plain.close()
        await secure.close()
        await cluster.stop()
    }

    /// Plain HTTP turned off for production: `redirect` sends clients to https, `refuse` answers
    /// 403; TLS works either way.
    @Test func plainHTTP_canBeRedirectedOrRefused() async throws {
        let cluster = try await TestCluster(gateways: 1, workers: 1)
        let gateway = [("gateway-1", cluster.gateways[0].port)]
        let redirecting = try await LoadBalancer(gateways: gateway, settings: ["CHORUS_LB_HTTP": "redirect"])
        let redirect = try await Shell.run("curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' http://127.0.0.1:\(redirecting.port)/healthz")
        #expect(redirect.hasPrefix("308 https://"), "\(redirect)")
        #expect(try await curl(redirecting, tls: true, "ORIGIN/healthz").status == 200)
        await redirecting.stop()
        let refusing = try await LoadBalancer(gateways: gateway, settings: ["CHORUS_LB_HTTP": "refuse"])
        let refused = try await curl(refusing, tls: false, "ORIGIN/healthz")
        #expect(refused.status == 403 && JSON(text: refused.body)["error"]["code"].string == "forbidden", "\(refused)")
        #expect(try await curl(refusing, tls: true, "ORIGIN/healthz").status == 200)
        await refusing.stop()
        await cluster.stop()
    }

    /// HAProxy replaces whatever `X-Forwarded-For` a client sends with the address it sees, and the
    /// gateways (TRUSTED_PROXIES) count that one: a forged header buys no fresh login budget.
    @Test func aForgedForwardedAddress_buysNoLoginBudget() async throws {
        let cluster = try await TestCluster(gateways: 1, workers: 1, environment: ["LOGIN_PER_ADDRESS_PER_MIN": "3"], behindLoadBalancer: true)
        let balancer = try #require(cluster.balancer)
        var statuses: [Int] = []
        for index in 0..<4 {
            let login = #"-H 'content-type: application/json' -H 'X-Forwarded-For: 203.0.113.\#(index)' -d '{"username":"nobody","password":"wrong-password"}' ORIGIN/v1/auth/login"#
            statuses.append(try await curl(balancer, tls: index % 2 == 1, login).status)
        }
        #expect(statuses == [401, 401, 401, 429])
        await cluster.stop()
    }
}
