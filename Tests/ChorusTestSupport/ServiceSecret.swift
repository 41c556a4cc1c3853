import Foundation

/// The password of a private server in `directory`, kept in `<name>.secret` (mode 0600) the way
/// `chorus_secret` in `scripts/lib/services.sh` keeps it: read if the file exists, else generated
/// (32 hex characters) and written, so that `start_redis`/`start_postgres` take the same one and a
/// test knows its server's URL before the server first starts.
func serviceSecret(in directory: URL, name: String) throws -> String {
    let file = directory.appendingPathComponent("\(name).secret")
    if let existing = try? String(contentsOf: file, encoding: .utf8) {
        let secret = existing.trimmingCharacters(in: .whitespacesAndNewlines)
        if !secret.isEmpty { return secret }
    }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var generator = SystemRandomNumberGenerator()
    let secret = (0..<16).map { _ in
        let byte = UInt8.random(in: 0...255, using: &generator)
        return (byte < 16 ? "0" : "") + String(byte, radix: 16)
    }.joined()
    guard FileManager.default.createFile(atPath: file.path, contents: Data("\(secret)\n".utf8), attributes: [.posixPermissions: 0o600]) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
    }
    return secret
}
