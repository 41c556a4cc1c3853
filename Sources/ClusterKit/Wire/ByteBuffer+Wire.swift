import NIOCore

/// Field encodings of the inter-node wire format: integers are big-endian and fixed width,
/// strings are a `UInt32` byte length followed by UTF-8, optionals a `UInt8` presence flag first.
extension ByteBuffer {
    @inlinable
    mutating func writeWireString(_ string: String) {
        let lengthIndex = writerIndex
        writeInteger(UInt32(0))
        let written = writeString(string)
        setInteger(UInt32(written), at: lengthIndex)
    }

    @inlinable
    mutating func writeWireOptionalString(_ string: String?) {
        if let string {
            writeInteger(UInt8(1))
            writeWireString(string)
        } else {
            writeInteger(UInt8(0))
        }
    }

    mutating func readWireInteger<T: FixedWidthInteger>(as type: T.Type = T.self) throws -> T {
        guard let value = readInteger(as: T.self) else { throw WireError.truncated }
        return value
    }

    mutating func readWireString() throws -> String {
        let length = Int(try readWireInteger(as: UInt32.self))
        guard readableBytes >= length else { throw WireError.truncated }
        guard let string = readString(length: length), string.utf8.count == length else { throw WireError.invalidString }
        return string
    }

    mutating func readWireOptionalString() throws -> String? {
        switch try readWireInteger(as: UInt8.self) {
        case 0: return nil
        case 1: return try readWireString()
        case let flag: throw WireError.invalidValue("optional flag \(flag)")
        }
    }
}

extension ByteBuffer {
    /// A byte field: `UInt32` length + bytes.
    @inlinable
    mutating func writeWireBytes(_ bytes: ByteBuffer) {
        writeInteger(UInt32(bytes.readableBytes))
        writeImmutableBuffer(bytes)
    }

    mutating func readWireBytes() throws -> ByteBuffer {
        let length = Int(try readWireInteger(as: UInt32.self))
        guard let slice = readSlice(length: length) else { throw WireError.truncated }
        return slice
    }

    @inlinable
    mutating func writeWireOptionalInteger(_ value: Int64?) {
        if let value {
            writeInteger(UInt8(1))
            writeInteger(value)
        } else {
            writeInteger(UInt8(0))
        }
    }

    mutating func readWireOptionalInteger() throws -> Int64? {
        switch try readWireInteger(as: UInt8.self) {
        case 0: return nil
        case 1: return try readWireInteger(as: Int64.self)
        case let flag: throw WireError.invalidValue("optional flag \(flag)")
        }
    }
}
