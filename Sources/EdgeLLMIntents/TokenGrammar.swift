import EdgeLLMTokenizer

/// A ByteGrammar lifted to the model's tokens, computed once per home and model: for every state
/// decoding can be in, the tokens allowed next (sorted ids: the head rows to compute) with the
/// state each leads to, and the tokens to append without asking the model where the grammar
/// leaves only one way on. Per request, decoding only looks things up.
public final class TokenGrammar: Sendable {
    public let bytes: ByteGrammar
    /// Allowed wherever the line may end; they lead to `bytes.end`.
    public let endOfGeneration: [Int32]

    /// Per byte state: index into the choice tables, or -1 (a state decoding never chooses in).
    private let choiceIndex: [Int32]
    private let rowStart: [Int32]
    private let rows: [Int32]
    private let next: [Int32]
    /// Per byte state: index into the forced tables, or -1 (nothing forced there).
    private let forcedIndex: [Int32]
    private let forcedStart: [Int32]
    private let forcedTokens: [Int32]
    private let forcedEnd: [Int32]
    /// Every token's bytes, packed, so that decoding appends them without allocating.
    private let tokenByteStart: [Int32]
    private let tokenBytePool: [UInt8]

    /// The state decoding starts in.
    public var start: Int32 { bytes.start }
    public var choiceStateCount: Int { rowStart.count - 1 }
    public var tableEntries: Int { rows.count }

    public init(grammar: ByteGrammar, tokenizer: BPETokenizer) throws(GrammarError) {
        bytes = grammar
        endOfGeneration = tokenizer.endOfGenerationTokens
        let trie = VocabularyTrie(tokenizer: tokenizer)

        var choiceIndex = [Int32](repeating: -1, count: grammar.stateCount)
        var rowStart: [Int32] = [0]
        var rows: [Int32] = []
        var next: [Int32] = []
        var forcedIndex = [Int32](repeating: -1, count: grammar.stateCount)
        var forcedStart: [Int32] = [0]
        var forcedTokens: [Int32] = []
        var forcedEnd: [Int32] = []

        var seen = [Bool](repeating: false, count: grammar.stateCount)
        var queue: [Int32] = [grammar.start]
        seen[Int(grammar.start)] = true
        var pairs: [(token: Int32, state: Int32)] = []
        func visit(_ s: Int32) {
            if !seen[Int(s)] && !grammar.isComplete(s) {
                seen[Int(s)] = true
                queue.append(s)
            }
        }
        var head = 0
        while head < queue.count {
            let s = queue[head]
            head += 1
            if let (tokens, end) = Self.forced(from: s, grammar: grammar, trie: trie, tokenizer: tokenizer) {
                forcedIndex[Int(s)] = Int32(forcedEnd.count)
                forcedTokens += tokens
                forcedStart.append(Int32(forcedTokens.count))
                forcedEnd.append(end)
                visit(end)
                continue
            }
            pairs.removeAll(keepingCapacity: true)
            trie.forEachAllowed(from: s, in: grammar) { pairs.append(($0, $1)) }
            if grammar.isAccepting(s) {
                for t in tokenizer.endOfGenerationTokens { pairs.append((t, grammar.end)) }
            }
            guard !pairs.isEmpty else {
                throw GrammarError("the model's vocabulary cannot spell what the grammar allows in state \(s)")
            }
            pairs.sort { $0.token < $1.token }
            choiceIndex[Int(s)] = Int32(rowStart.count - 1)
            for (i, p) in pairs.enumerated() where i == 0 || pairs[i - 1].token != p.token {
                rows.append(p.token)
                next.append(p.state)
                visit(p.state)
            }
            rowStart.append(Int32(rows.count))
        }
        self.choiceIndex = choiceIndex
        self.rowStart = rowStart
        self.rows = rows
        self.next = next
        self.forcedIndex = forcedIndex
        self.forcedStart = forcedStart
        self.forcedTokens = forcedTokens
        self.forcedEnd = forcedEnd
        var starts: [Int32] = [0]
        var pool: [UInt8] = []
        for id in 0..<tokenizer.vocabularySize {
            pool += tokenizer.tokenBytes(Int32(id))
            starts.append(Int32(pool.count))
        }
        tokenByteStart = starts
        tokenBytePool = pool
    }

    /// A token's bytes (control tokens: their text), without allocating.
    public func spelling(of token: Int32) -> ArraySlice<UInt8> {
        guard token >= 0, Int(token) + 1 < tokenByteStart.count else { return tokenBytePool[0..<0] }
        return tokenBytePool[Int(tokenByteStart[Int(token)])..<Int(tokenByteStart[Int(token) + 1])]
    }

    /// True when the line is finished in `state`: decoding stops without another step.
    public func isComplete(_ state: Int32) -> Bool { bytes.isComplete(state) }

    /// The tokens to append in `state` without a choice, and the state after them.
    public func forced(_ state: Int32) -> (tokens: ArraySlice<Int32>, end: Int32)? {
        let i = Int(forcedIndex[Int(state)])
        guard i >= 0 else { return nil }
        return (forcedTokens[Int(forcedStart[i])..<Int(forcedStart[i + 1])], forcedEnd[i])
    }

    /// The allowed tokens in `state` (ascending ids) and the states they lead to; empty where
    /// decoding never chooses.
    public func choices(_ state: Int32) -> (tokens: ArraySlice<Int32>, next: ArraySlice<Int32>) {
        let i = Int(choiceIndex[Int(state)])
        guard i >= 0 else { return (rows[0..<0], next[0..<0]) }
        let range = Int(rowStart[i])..<Int(rowStart[i + 1])
        return (rows[range], next[range])
    }

    /// Runs `body` with the allowed tokens of `state` as head rows, without copying them.
    public func withRows<R>(_ state: Int32, _ body: (UnsafeBufferPointer<Int32>) throws -> R) rethrows -> R {
        let i = Int(choiceIndex[Int(state)])
        let range = i >= 0 ? Int(rowStart[i])..<Int(rowStart[i + 1]) : 0..<0
        return try rows.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// The state after `token` in `state`, or -1 when the grammar does not allow it.
    public func step(_ state: Int32, _ token: Int32) -> Int32 {
        let (tokens, next) = choices(state)
        var lo = tokens.startIndex, hi = tokens.endIndex
        while lo < hi {
            let mid = (lo + hi) / 2
            if tokens[mid] < token { lo = mid + 1 } else { hi = mid }
        }
        return lo < tokens.endIndex && tokens[lo] == token ? next[lo] : -1
    }

    /// Where the bytes ahead are fixed (the rest of a name once it is unambiguous, "ass" after "H"),
    /// their tokens as the tokenizer would write them. The last of those tokens is left to the
    /// model when a longer token could run past the fixed bytes: " " before a name is better
    /// written by the model as part of " Kitchen".
    private static func forced(from state: Int32, grammar: ByteGrammar, trie: VocabularyTrie,
                               tokenizer: BPETokenizer) -> (tokens: [Int32], end: Int32)? {
        var bytes: [UInt8] = []
        var s = state
        while let b = grammar.forcedByte(s), bytes.count < 512 {
            bytes.append(b)
            s = grammar.step(s, b)
        }
        bytes.removeLast(bytes.count - completeUTF8Prefix(bytes))
        guard !bytes.isEmpty else { return nil }
        var tokens = tokenizer.encode(String(decoding: bytes, as: UTF8.self), parseSpecial: false)
        guard tokens.flatMap({ tokenizer.tokenBytes($0) }) == bytes else { return nil }
        let lastLength = tokenizer.tokenBytes(tokens[tokens.count - 1]).count
        let beforeLast = grammar.walk(state, bytes.prefix(bytes.count - lastLength))
        if trie.allowsToken(from: beforeLast, longerThan: lastLength, in: grammar) { tokens.removeLast() }
        guard !tokens.isEmpty else { return nil }
        let end = grammar.walk(state, tokens.flatMap { tokenizer.tokenBytes($0) })
        return end >= 0 ? (tokens, end) : nil
    }

    /// The length of the longest prefix of `bytes` that ends on a character boundary.
    static func completeUTF8Prefix(_ bytes: [UInt8]) -> Int {
        var i = bytes.count
        var back = 0
        while i > 0 && back < 4 {
            let b = bytes[i - 1]
            if b & 0xC0 != 0x80 {
                let width = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                return width == back + 1 ? bytes.count : i - 1
            }
            i -= 1
            back += 1
        }
        return bytes.count - back
    }
}
