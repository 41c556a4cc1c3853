import Foundation

/// The output of `scripts/cluster status --json`:
/// `{"gateways":[{"id","url","pid"}],"workers":[...],"redis":{"url","pid"},"postgres":{"url","pid"}}`
/// (a pid is null for an external server; redis and postgres are null without a cluster).
public struct ClusterStatus: Decodable, Sendable, Equatable {
    public struct Node: Decodable, Sendable, Equatable {
        public var id: String
        public var url: String
        public var pid: Int32?
    }

    public struct Service: Decodable, Sendable, Equatable {
        public var url: String
        public var pid: Int32?
    }

    public var gateways: [Node]
    public var workers: [Node]
    public var redis: Service?
    public var postgres: Service?

    public static func decode(_ data: Data) throws -> ClusterStatus {
        do {
            return try JSONDecoder().decode(ClusterStatus.self, from: data)
        } catch {
            throw LoadError.badArgument("the cluster status is not the JSON of 'scripts/cluster status --json': \(error)")
        }
    }

    /// The gateways' base URLs.
    public var gatewayURLs: [String] { gateways.map(\.url) }

    /// Every server process with a known pid: gateways, workers, Redis, and Postgres as a tree.
    public var serverProcesses: [ServerProcess] {
        var processes: [ServerProcess] = []
        for node in gateways { if let pid = node.pid { processes.append(ServerProcess(name: node.id, pid: pid, role: "gateway")) } }
        for node in workers { if let pid = node.pid { processes.append(ServerProcess(name: node.id, pid: pid, role: "worker")) } }
        if let pid = redis?.pid { processes.append(ServerProcess(name: "redis", pid: pid, role: "redis")) }
        if let pid = postgres?.pid {
            processes.append(ServerProcess(name: "postgres", pid: pid, includeDescendants: true, role: "postgres"))
        }
        return processes
    }
}
