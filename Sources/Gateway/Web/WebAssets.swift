import Crypto
import Foundation
import Hummingbird

/// The browser client (`Resources/web`: HTML, CSS and JavaScript modules, no build step), read
/// into memory once at start-up and served at `/` (the page) and `/web/<path>` (its files).
///
/// Only the files found at start-up are routes, so no request names a path on disk. Each answer
/// carries an ETag (a conditional GET gets 304) and `Cache-Control: no-cache` (the browser
/// revalidates, so a new gateway version is picked up at the next load), and the page a strict
/// Content-Security-Policy: scripts, styles and connections from this origin only, nothing inline.
struct WebAssets: Sendable {
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        let etag: String
    }

    /// Path under `web/` (e.g. `js/main.js`) → file.
    let assets: [String: Asset]

    static let contentSecurityPolicy =
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    /// The files bundled with the gateway (none if the bundle is missing: the API still works).
    static let bundled: WebAssets = {
        guard let root = Bundle.module.url(forResource: "web", withExtension: nil) else { return WebAssets(assets: [:]) }
        return WebAssets(loading: root)
    }()

    init(assets: [String: Asset]) {
        self.assets = assets
    }

    /// Reads every servable file under `root` (tests of the client, `test/`, are not served).
    init(loading root: URL, maxTotalBytes: Int = 4 << 20) {
        var assets: [String: Asset] = [:]
        var total = 0
        let base = root.standardizedFileURL.path
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = files?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                let type = Self.contentType(of: url.pathExtension), let data = try? Data(contentsOf: url)
            else { continue }
            let path = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
            guard !path.hasPrefix("test/"), total + data.count <= maxTotalBytes else { continue }
            total += data.count
            let digest = SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined()
            assets[path] = Asset(body: ByteBuffer(bytes: data), contentType: type, etag: "\"\(digest)\"")
        }
        self.assets = assets
    }

    static func contentType(of pathExtension: String) -> String? {
        switch pathExtension {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "json", "webmanifest": "application/json"
        default: nil
        }
    }

    func add<Context: RequestContext>(to router: Router<Context>) {
        if let page = assets["index.html"] {
            router.get("/") { request, _ in Self.response(page, request, isPage: true) }
        }
        for (path, asset) in assets {
            router.get(RouterPath("web/\(path)")) { request, _ in Self.response(asset, request, isPage: path == "index.html") }
        }
    }

    static func response(_ asset: Asset, _ request: Request, isPage: Bool) -> Response {
        var headers: HTTPFields = [
            .contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache",
            .init("X-Content-Type-Options")!: "nosniff", .init("Referrer-Policy")!: "no-referrer",
        ]
        if isPage {
            headers[.contentSecurityPolicy] = contentSecurityPolicy
            headers[.init("X-Frame-Options")!] = "DENY"
        }
        if request.headers[.ifNoneMatch] == asset.etag {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}
