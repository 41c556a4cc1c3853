import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 JSON client for the few REST calls a run makes (register, create rooms):
/// one connection per request, `Connection: close`, a timeout on the whole exchange.
public struct RestClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: Data

        /// The body as a JSON object (empty if it is not one).
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }

        /// The contract's error code of an error body.
        public var errorCode: String? {
            (json["error"] as? [String: Any])?["code"] as? String
        }
    }

    let group: any EventLoopGroup
    let timeout: Duration

    public init(group: any EventLoopGroup, timeout: Duration = .seconds(30)) {
        self.group = group
        self.timeout = timeout
    }

    public func request(
        _ method: HTTPMethod, _ path: String, on gateway: GatewayAddress, token: String? = nil, json: [String: Any]? = nil
    ) async throws -> Response {
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: gateway.authority)
        head.headers.add(name: "Connection", value: "close")
        head.headers.add(name: "Content-Length", value: String(body?.count ?? 0))
        if body != nil { head.headers.add(name: "Content-Type", value: "application/json") }
        if let token { head.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let requestHead = head
        return try await withThrowingTaskGroup(of: Response.self) { tasks in
            tasks.addTask {
                let channel = try await ClientBootstrap(group: group)
                    .connectTimeout(.seconds(10))
                    .connect(host: gateway.host, port: gateway.port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHTTPClientHandlers()
                            return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                        }
                    }
                return try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(.head(requestHead))
                    if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                    try await outbound.write(.end(nil))
                    var response = Response(status: 0, body: Data())
                    for try await part in inbound {
                        switch part {
                        case .head(let head): response.status = Int(head.status.code)
                        case .body(let buffer): response.body.append(contentsOf: buffer.readableBytesView)
                        case .end: return response
                        }
                    }
                    throw LoadError.cluster("\(method) \(path) on \(gateway): connection closed before the answer")
                }
            }
            tasks.addTask {
                try await Task.sleep(for: timeout)
                throw LoadError.cluster("\(method) \(path) on \(gateway): no answer within \(timeout)")
            }
            defer { tasks.cancelAll() }
            return try await tasks.next()!
        }
    }
}
