/// A 64-bit hash that is the same in every process and on every machine.
///
/// Swift's `Hasher` is seeded per process, so it cannot place keys on a ring shared by a cluster.
/// This is FNV-1a over the bytes followed by the MurmurHash3 `fmix64` finaliser, which spreads
/// nearby inputs (`worker-1#17`, `worker-1#18`) uniformly over the 64-bit space.
public enum StableHash {
    /// Hash of a string's UTF-8 bytes.
    @inlinable
    public static func hash(_ string: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in string.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01b3
        }
        return mix(h)
    }

    /// Hash of a 64-bit integer key (room ids).
    @inlinable
    public static func hash(_ value: Int64) -> UInt64 {
        mix(UInt64(bitPattern: value) &+ 0x9e37_79b9_7f4a_7c15)
    }

    /// MurmurHash3's 64-bit finaliser.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k &*= 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k &*= 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }
}
