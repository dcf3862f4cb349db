/// The merge table and the merge loop of byte-pair encoding.
///
/// Merges are applied lowest rank first and, among equal ranks, leftmost first: the order
/// Hugging Face's priority queue produces.
struct BPEMerges: Sendable {
    /// (left id << 32 | right id) -> (rank << 32 | merged id).
    private let table: [UInt64: UInt64]

    var count: Int { table.count }

    /// Merges naming a token the vocabulary lacks are left out rather than rejected: GGUF files
    /// in the wild carry a few, and a merge that can never produce a token is inert anyway.
    /// `tokenID` gives the id of a byte-level spelling (UTF-8 bytes), or nil.
    init(merges: [String], tokenID: ([UInt8]) -> Int32?) {
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        var left: [UInt8] = [], right: [UInt8] = [], both: [UInt8] = []
        for (rank, merge) in merges.enumerated() {
            let utf8 = merge.utf8
            guard let split = utf8.firstIndex(of: UInt8(ascii: " ")) else { continue }
            left.removeAll(keepingCapacity: true)
            left.append(contentsOf: utf8[..<split])
            right.removeAll(keepingCapacity: true)
            right.append(contentsOf: utf8[utf8.index(after: split)...])
            both.removeAll(keepingCapacity: true)
            both.append(contentsOf: left)
            both.append(contentsOf: right)
            guard let leftID = tokenID(left), let rightID = tokenID(right),
                  let mergedID = tokenID(both) else { continue }
            let key = Self.key(leftID, rightID)
            // The first (highest priority) occurrence of a pair wins, as in HF.
            if table[key] == nil {
                table[key] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: mergedID))
            }
        }
        self.table = table
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private func lookup(_ left: Int32, _ right: Int32) -> (rank: UInt32, merged: Int32)? {
        guard let value = table[Self.key(left, right)] else { return nil }
        return (UInt32(truncatingIfNeeded: value >> 32), Int32(bitPattern: UInt32(truncatingIfNeeded: value)))
    }

    /// Merges `symbols` (token ids) in place until no pair has a merge.
    func apply(_ symbols: inout [Int32]) {
        if symbols.count < 2 { return }
        if symbols.count <= 64 {
            applyByScanning(&symbols)
        } else {
            applyWithHeap(&symbols)
        }
    }

    // Short words: rescanning a small array beats keeping a heap.
    func applyByScanning(_ symbols: inout [Int32]) {
        let none = UInt32.max
        var ranks = [UInt32](repeating: none, count: symbols.count - 1)
        var merged = [Int32](repeating: 0, count: symbols.count - 1)
        for position in 0..<ranks.count {
            if let found = lookup(symbols[position], symbols[position + 1]) {
                ranks[position] = found.rank
                merged[position] = found.merged
            }
        }
        while true {
            var best = -1
            var bestRank = none
            for position in 0..<ranks.count where ranks[position] < bestRank {
                bestRank = ranks[position]
                best = position
            }
            if best < 0 { return }
            symbols[best] = merged[best]
            symbols.remove(at: best + 1)
            ranks.remove(at: best)
            merged.remove(at: best)
            if best > 0 {
                let found = lookup(symbols[best - 1], symbols[best])
                ranks[best - 1] = found?.rank ?? none
                merged[best - 1] = found?.merged ?? 0
            }
            if best < ranks.count {
                let found = lookup(symbols[best], symbols[best + 1])
                ranks[best] = found?.rank ?? none
                merged[best] = found?.merged ?? 0
            }
        }
    }

    // Long words (whitespace runs, digits, base64): a linked list and a priority queue keep the
    // work near n log n where rescanning would be quadratic.
    func applyWithHeap(_ symbols: inout [Int32]) {
        let count = symbols.count
        var next = Array(1...count)  // `count` marks the end
        var previous = Array(-1..<(count - 1))
        var alive = [Bool](repeating: true, count: count)
        var heap = MinHeap()
        for position in 0..<(count - 1) {
            if let found = lookup(symbols[position], symbols[position + 1]) {
                heap.push(UInt64(found.rank) << 32 | UInt64(position))
            }
        }
        while let top = heap.pop() {
            let rank = UInt32(truncatingIfNeeded: top >> 32)
            let position = Int(UInt32(truncatingIfNeeded: top))
            guard alive[position] else { continue }
            let right = next[position]
            guard right < count, let found = lookup(symbols[position], symbols[right]),
                  found.rank == rank else { continue }
            symbols[position] = found.merged
            alive[right] = false
            let afterRight = next[right]
            next[position] = afterRight
            if afterRight < count { previous[afterRight] = position }
            let left = previous[position]
            if left >= 0, let pair = lookup(symbols[left], symbols[position]) {
                heap.push(UInt64(pair.rank) << 32 | UInt64(left))
            }
            if afterRight < count, let pair = lookup(symbols[position], symbols[afterRight]) {
                heap.push(UInt64(pair.rank) << 32 | UInt64(position))
            }
        }
        var result: [Int32] = []
        var position = 0
        while position < count {
            result.append(symbols[position])
            position = next[position]
        }
        symbols = result
    }
}

/// Binary min-heap of (rank << 32 | position): integer order is rank order, then leftmost.
private struct MinHeap {
    private var items: [UInt64] = []

    mutating func push(_ item: UInt64) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if items[parent] <= items[child] { break }
            items.swapAt(parent, child)
            child = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let last = items.popLast() else { return nil }
        guard !items.isEmpty else { return last }
        let top = items[0]
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            if left >= items.count { break }
            let right = left + 1
            let smaller = right < items.count && items[right] < items[left] ? right : left
            if items[parent] <= items[smaller] { break }
            items.swapAt(parent, smaller)
            parent = smaller
        }
        return top
    }
}
