import Foundation
import NIOCore

/// A parsed JSON value, for asserting on response bodies.
public struct JSON: @unchecked Sendable {
    // @unchecked: wraps an immutable JSONSerialization tree.
    public let value: Any?

    public init(_ buffer: ByteBuffer) {
        value = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView), options: [.fragmentsAllowed])
    }

    public init(value: Any?) { self.value = value }

    public subscript(key: String) -> JSON { JSON(value: (value as? [String: Any])?[key]) }
    public subscript(index: Int) -> JSON {
        guard let array = value as? [Any], array.indices.contains(index) else { return JSON(value: nil) }
        return JSON(value: array[index])
    }

    public var string: String? { value as? String }
    public var int: Int64? { (value as? NSNumber)?.int64Value }
    public var array: [JSON] { (value as? [Any])?.map { JSON(value: $0) } ?? [] }
    public var keys: Set<String> { Set((value as? [String: Any])?.keys.map { $0 } ?? []) }
    public var isNull: Bool { value is NSNull }
    public var exists: Bool { value != nil }
}


extension JSON {
    /// Parses JSON text.
    public init(text: String) {
        self.init(ByteBuffer(string: text))
    }
}
