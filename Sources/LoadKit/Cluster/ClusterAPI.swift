import Foundation
import NIOCore

/// The REST calls a run makes, with the retries a real client would make: 429 (the gateway
/// limits concurrent password hashes) and 503 are retried after a pause.
public struct ClusterAPI: Sendable {
    public struct Account: Sendable, Equatable {
        public var userID: Int64
        public var username: String
        public var token: String
    }

    let rest: RestClient
    let gateways: [GatewayAddress]

    public init(rest: RestClient, gateways: [GatewayAddress]) {
        self.rest = rest
        self.gateways = gateways
    }

    /// Registers a new account `username` (a random password) through gateway `via`.
    public func register(username: String, via: Int = 0) async throws -> Account {
        let password = UUID().uuidString
        let body: [String: Any] = ["username": username, "email": "\(username)@load.invalid", "password": password]
        let response = try await withRetries("register \(username)") {
            try await rest.request(.POST, "/v1/auth/register", on: gateways[via % gateways.count], json: body)
        }
        guard response.status == 201, let user = response.json["user"] as? [String: Any],
            let id = (user["id"] as? NSNumber)?.int64Value, let token = response.json["token"] as? String
        else { throw LoadError.cluster("register \(username): HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))") }
        return Account(userID: id, username: username, token: token)
    }

    /// Creates a room named `name` owned by the holder of `token`; returns its id.
    public func createRoom(name: String, token: String, via: Int = 0) async throws -> Int64 {
        let response = try await withRetries("create room") {
            try await rest.request(.POST, "/v1/rooms", on: gateways[via % gateways.count], token: token, json: ["name": name])
        }
        guard response.status == 201, let room = response.json["room"] as? [String: Any],
            let id = (room["id"] as? NSNumber)?.int64Value
        else { throw LoadError.cluster("create room: HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))") }
        return id
    }

    private func withRetries(_ what: String, _ call: () async throws -> RestClient.Response) async throws -> RestClient.Response {
        var attempt = 0
        while true {
            attempt += 1
            let response = try await call()
            guard response.status == 429 || response.status == 503, attempt < 50 else { return response }
            try await Task.sleep(for: .milliseconds(100 * min(attempt, 10)))
        }
    }
}
