import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Gateway

/// The browser client's files: what is served, with which headers, and what is not.
@Suite struct WebAssetsTests {
    /// A client folder of a few files, the way `Resources/web` is laid out.
    func folder() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("js"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("test"), withIntermediateDirectories: true)
        try Data("<!doctype html><title>Chorus</title>".utf8).write(to: root.appendingPathComponent("index.html"))
        try Data("export const x = 1;".utf8).write(to: root.appendingPathComponent("js/main.js"))
        try Data("body{}".utf8).write(to: root.appendingPathComponent("app.css"))
        try Data("test only".utf8).write(to: root.appendingPathComponent("test/rooms.test.mjs"))
        try Data("secret".utf8).write(to: root.appendingPathComponent("notes.txt"))
        return root
    }

    @Test func servesThePageAndItsFiles_withTypesETagsAndAStrictPolicy() async throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let assets = WebAssets(loading: root)
        #expect(Set(assets.assets.keys) == ["index.html", "js/main.js", "app.css"])  // no tests, no unknown types
        let router = Router()
        assets.add(to: router)
        try await Application(router: router).test(.router) { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(page.headers[.contentSecurityPolicy]?.contains("unsafe-inline") == false)
            #expect(String(buffer: page.body).hasPrefix("<!doctype html>"))
            let script = try await client.execute(uri: "/web/js/main.js", method: .get)
            #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.headers[.init("X-Content-Type-Options")!] == "nosniff")
            let etag = try #require(script.headers[.eTag])
            let again = try await client.execute(uri: "/web/js/main.js", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            for path in ["/web/test/rooms.test.mjs", "/web/notes.txt", "/web/../Package.swift", "/web/js/%2e%2e/%2e%2e/x", "/web/"] {
                #expect(try await client.execute(uri: path, method: .get).status == .notFound, "\(path)")
            }
        }
    }

    @Test func theGatewayBundlesTheClient() {
        let assets = WebAssets.bundled.assets
        #expect(assets["index.html"] != nil)
        #expect(assets.keys.contains { $0.hasPrefix("js/") && $0.hasSuffix(".js") })
        #expect(assets.keys.contains { $0.hasSuffix(".css") })
    }
}
