/// Why bytes from another node could not be decoded. Decoding never traps: a bad frame is dropped
/// and counted, the node keeps running.
public enum WireError: Error, Equatable, Sendable {
    /// The frame's version byte is newer (or older) than this build understands.
    case unsupportedVersion(UInt8)
    /// The message kind is unknown to this version.
    case unknownKind(UInt8)
    /// The frame ended before a field did.
    case truncated
    /// A string field is not valid UTF-8.
    case invalidString
    /// A field holds a value out of its range.
    case invalidValue(String)
    /// Bytes were left after the message.
    case trailingBytes(Int)
}
