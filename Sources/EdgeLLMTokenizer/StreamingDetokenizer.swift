/// Turns a stream of ids into text, emitting only complete UTF-8 characters, so that an emoji
/// split over several tokens appears whole. The pieces joined equal `decode` of all the ids.
public struct StreamingDetokenizer: Sendable {
    public let tokenizer: BPETokenizer
    /// Bytes received but not yet emitted: at most the start of one unfinished character.
    private var pending: [UInt8] = []

    public init(tokenizer: BPETokenizer) {
        self.tokenizer = tokenizer
    }

    /// The text that `id` completes; often empty while a multi-byte character is unfinished.
    public mutating func append(_ id: Int32) -> String {
        tokenizer.appendBytes(of: id, to: &pending)
        let cut = Self.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is left, an unfinished character becoming U+FFFD as `decode` would make it.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many leading bytes can be decoded now without changing the final text: everything but
    /// a trailing sequence that is still a valid, unfinished UTF-8 character. A cut before a lead
    /// byte is safe because no decoding, valid or repaired, carries a sequence across a lead byte.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let count = bytes.count
        var start = count - 1
        // A character is at most 4 bytes, so its lead byte is among the last 3 of an unfinished one.
        while start >= 0, start >= count - 3 {
            let byte = bytes[start]
            if byte & 0xC0 != 0x80 { break }
            start -= 1
        }
        guard start >= 0, start >= count - 3 else { return count }
        let lead = bytes[start]
        let needed: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: needed = 2
        case 0xE0: needed = 3; secondRange = 0xA0...0xBF
        case 0xED: needed = 3; secondRange = 0x80...0x9F
        case 0xE1...0xEC, 0xEE...0xEF: needed = 3
        case 0xF0: needed = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: needed = 4
        case 0xF4: needed = 4; secondRange = 0x80...0x8F
        default: return count
        }
        let have = count - start
        guard have < needed else { return count }
        if have >= 2, !secondRange.contains(bytes[start + 1]) { return count }
        return start
    }
}
