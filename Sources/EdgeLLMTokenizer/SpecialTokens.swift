/// Finds special tokens written literally in text, the way Hugging Face matches added tokens:
/// leftmost first, and the longest one where several start at the same place.
struct SpecialTokenMatcher: Sendable {
    struct Candidate: Sendable {
        let bytes: [UInt8]
        let id: Int32
        /// Control tokens only count when the caller asks for special tokens to be parsed;
        /// user-defined ones always do (as in HF `tokenizers` and llama.cpp).
        let isControl: Bool
    }

    /// Candidates by first byte, longest first.
    private let byFirstByte: [[Candidate]]
    let isEmpty: Bool

    init(_ candidates: [Candidate]) {
        var table = [[Candidate]](repeating: [], count: 256)
        for candidate in candidates where !candidate.bytes.isEmpty {
            table[Int(candidate.bytes[0])].append(candidate)
        }
        for index in table.indices {
            table[index].sort { $0.bytes.count > $1.bytes.count || ($0.bytes.count == $1.bytes.count && $0.id < $1.id) }
        }
        byFirstByte = table
        isEmpty = candidates.allSatisfy { $0.bytes.isEmpty }
    }

    /// The special token starting at `position`, if any.
    func match(_ bytes: [UInt8], at position: Int, includeControl: Bool) -> (id: Int32, length: Int)? {
        for candidate in byFirstByte[Int(bytes[position])] where includeControl || !candidate.isControl {
            let length = candidate.bytes.count
            guard position + length <= bytes.count else { continue }
            var index = 1
            while index < length, bytes[position + index] == candidate.bytes[index] { index += 1 }
            if index == length { return (candidate.id, length) }
        }
        return nil
    }
}
