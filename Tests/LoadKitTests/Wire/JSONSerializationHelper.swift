import Foundation

/// Decodes bytes as a JSON object with Foundation (to check what the harness writes).
enum JSONSerializationHelper {
    static func object(_ bytes: [UInt8]) throws -> [String: Any]? {
        try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
    }
}
