/// Token ids by spelling, exact byte for byte: an open-addressing table of ids over the
/// vocabulary's own strings. 4 bytes a slot (256 KiB for a 49,152-token vocabulary), where a
/// `[String: Int32]` took ~1.3 MiB.
struct SpellingIndex: Sendable {
    private let tokens: [String]  // the vocabulary's own array (shared, not copied)
    private let slots: [Int32]  // token id, or -1 for an empty slot
    private let mask: Int

    /// Where a vocabulary repeats a spelling, the first id wins. Empty spellings (the holes of a
    /// sparse vocabulary) name no token.
    init(_ tokens: [String]) {
        var capacity = 16
        while capacity < tokens.count + tokens.count / 3 { capacity <<= 1 }  // load ≤ 0.75
        var slots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for (index, token) in tokens.enumerated() where !token.isEmpty {
            var slot = Self.hash(token.utf8) & mask
            while slots[slot] >= 0 {
                if tokens[Int(slots[slot])].utf8.elementsEqual(token.utf8) { break }
                slot = (slot + 1) & mask
            }
            if slots[slot] < 0 { slots[slot] = Int32(index) }
        }
        self.tokens = tokens
        self.slots = slots
        self.mask = mask
    }

    /// The id of the token spelled `spelling` (UTF-8 bytes).
    func lookup<Bytes: Collection>(_ spelling: Bytes) -> Int32? where Bytes.Element == UInt8 {
        guard !spelling.isEmpty else { return nil }
        var slot = Self.hash(spelling) & mask
        while true {
            let id = slots[slot]
            if id < 0 { return nil }
            let token = tokens[Int(id)].utf8
            if token.count == spelling.count, token.elementsEqual(spelling) { return id }
            slot = (slot + 1) & mask
        }
    }

    /// FNV-1a, folded so that the low bits depend on every byte.
    @inline(__always)
    private static func hash<Bytes: Sequence>(_ bytes: Bytes) -> Int where Bytes.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }
}
