import EdgeLLMTokenizer

/// The model's vocabulary as a trie over token bytes, walked alongside a ByteGrammar to find
/// which tokens may come next: tokens sharing a prefix are tested once for that prefix.
struct VocabularyTrie: Sendable {
    /// Node k's children are nodes firstChild[k] ..< firstChild[k] + childCount[k] (breadth-first
    /// order keeps them together); byte[k] is the byte on the edge into k.
    private let firstChild: [Int32]
    private let childCount: [Int32]
    private let byte: [UInt8]
    /// Tokens spelled exactly by the path to node k: tokens[tokenStart[k] ..< tokenStart[k + 1]].
    private let tokenStart: [Int32]
    private let tokens: [Int32]

    var nodeCount: Int { byte.count }

    /// Ordinary tokens only: control tokens (<|im_end|>, ...) are not text the grammar can spell.
    init(tokenizer: BPETokenizer) {
        let config = tokenizer.config
        var entries: [(bytes: [UInt8], id: Int32)] = []
        entries.reserveCapacity(config.tokens.count)
        for index in config.tokens.indices {
            let id = Int32(index)
            if !config.tokenTypes.isEmpty {
                let type = config.tokenTypes[index]
                guard type == .normal || type == .byte else { continue }
            } else if tokenizer.isEndOfGeneration(id) || (config.tokens[index].hasPrefix("<|") && config.tokens[index].hasSuffix("|>")) {
                continue
            }
            let bytes = tokenizer.tokenBytes(id)
            if !bytes.isEmpty { entries.append((bytes, id)) }
        }
        entries.sort { a, b in
            a.bytes.lexicographicallyPrecedes(b.bytes) || (a.bytes == b.bytes && a.id < b.id)
        }

        var firstChild: [Int32] = []
        var childCount: [Int32] = []
        var byte: [UInt8] = [0]
        var tokenStart: [Int32] = []
        var tokens: [Int32] = []
        // (lo, hi, depth): the entries under a node, all sharing its first `depth` bytes.
        var queue: [(lo: Int, hi: Int, depth: Int)] = [(0, entries.count, 0)]
        var k = 0
        while k < queue.count {
            let (lo, hi, depth) = queue[k]
            var i = lo
            tokenStart.append(Int32(tokens.count))
            while i < hi && entries[i].bytes.count == depth {
                tokens.append(entries[i].id)
                i += 1
            }
            firstChild.append(Int32(queue.count))
            while i < hi {
                let b = entries[i].bytes[depth]
                var j = i + 1
                while j < hi && entries[j].bytes[depth] == b { j += 1 }
                queue.append((i, j, depth + 1))
                byte.append(b)
                i = j
            }
            childCount.append(Int32(queue.count) - firstChild[k])
            k += 1
        }
        tokenStart.append(Int32(tokens.count))
        self.firstChild = firstChild
        self.childCount = childCount
        self.byte = byte
        self.tokenStart = tokenStart
        self.tokens = tokens
    }

    /// Calls `body(token, stateAfter)` for every token the grammar allows from `state`.
    func forEachAllowed(from state: Int32, in grammar: ByteGrammar, _ body: (Int32, Int32) -> Void) {
        var stack: [(node: Int32, state: Int32)] = [(0, state)]
        while let (node, s) = stack.popLast() {
            let first = Int(firstChild[Int(node)])
            for child in first..<first + Int(childCount[Int(node)]) {
                let next = grammar.step(s, byte[child])
                if next < 0 { continue }
                for t in Int(tokenStart[child])..<Int(tokenStart[child + 1]) { body(tokens[t], next) }
                if childCount[child] > 0 { stack.append((Int32(child), next)) }
            }
        }
    }

    /// Whether the grammar allows from `state` some token longer than `length` bytes.
    func allowsToken(from state: Int32, longerThan length: Int, in grammar: ByteGrammar) -> Bool {
        var stack: [(node: Int32, state: Int32, depth: Int)] = [(0, state, 0)]
        while let (node, s, depth) = stack.popLast() {
            let first = Int(firstChild[Int(node)])
            for child in first..<first + Int(childCount[Int(node)]) {
                let next = grammar.step(s, byte[child])
                if next < 0 { continue }
                if depth + 1 > length && tokenStart[child + 1] > tokenStart[child] { return true }
                if childCount[child] > 0 { stack.append((Int32(child), next, depth + 1)) }
            }
        }
        return false
    }
}
