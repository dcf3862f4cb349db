/// Byte-level BPE tokenizer (GPT-2 family: SmolLM, Llama 3, Qwen2), matching Hugging Face
/// `tokenizers` id for id. Immutable after init, so one instance can serve every thread.
public final class BPETokenizer: Sendable {
    /// The configuration the tokenizer was built from, less its merges (`merges` is empty: they
    /// live on only as the merge table, so that a session does not keep ~49k strings it never reads).
    public let config: TokenizerConfig

    /// Token ids by byte-level spelling, over `config.tokens`.
    private let tokenIDs: SpellingIndex
    private let merges: BPEMerges
    /// Id of the single-byte token for each byte; -1 where the vocabulary lacks one.
    private let byteTokenIDs: [Int32]
    /// Raw bytes of every token, packed: token i is bytes[offsets[i]..<offsets[i + 1]].
    private let packedBytes: [UInt8]
    private let packedOffsets: [Int32]
    private let specialTokens: SpecialTokenMatcher
    private let endOfGenerationIDs: Set<Int32>
    private let ignoresMergesForWholeWords: Bool

    /// Control tokens that end generation in the chat formats we know, whatever their id.
    static let endOfGenerationTexts: Set<String> = [
        "<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|endoftext|>", "<|eom_id|>", "<|end|>",
        "<end_of_turn>", "</s>",
    ]

    public init(_ config: TokenizerConfig) throws {
        let count = config.tokens.count
        guard count > 0 else { throw TokenizerError("tokenizer has an empty vocabulary") }
        guard count <= Int(Int32.max) else { throw TokenizerError("tokenizer vocabulary is too large (\(count) tokens)") }
        guard config.tokenTypes.isEmpty || config.tokenTypes.count == count else {
            throw TokenizerError("tokenizer has \(count) tokens but \(config.tokenTypes.count) token types")
        }
        for (name, id) in [("bos", config.bosTokenID), ("eos", config.eosTokenID), ("pad", config.padTokenID)] {
            if let id, id < 0 || Int(id) >= count {
                throw TokenizerError("tokenizer \(name) token id \(id) is outside the vocabulary of \(count)")
            }
        }
        var stored = config
        stored.merges = []
        self.config = stored

        func type(_ id: Int) -> TokenizerConfig.TokenType {
            config.tokenTypes.isEmpty ? .normal : config.tokenTypes[id]
        }

        let tokenIDs = SpellingIndex(config.tokens)
        var packedBytes: [UInt8] = []
        packedBytes.reserveCapacity(count * 8)
        var packedOffsets: [Int32] = [0]
        packedOffsets.reserveCapacity(count + 1)
        var specials: [SpecialTokenMatcher.Candidate] = []
        var endOfGeneration = Set<Int32>()
        if let eos = config.eosTokenID { endOfGeneration.insert(eos) }

        for (index, token) in config.tokens.enumerated() {
            let id = Int32(index)
            let tokenType = type(index)
            let isLiteral = tokenType == .control || tokenType == .userDefined
            if isLiteral {
                specials.append(.init(bytes: Array(token.utf8), id: id, isControl: tokenType == .control))
                packedBytes.append(contentsOf: token.utf8)
            } else if tokenType == .byte, let byte = Self.byteTokenValue(token) {
                packedBytes.append(byte)
            } else {
                packedBytes.append(contentsOf: ByteLevel.decode(token) ?? Array(token.utf8))
            }
            packedOffsets.append(Int32(packedBytes.count))
            if isLiteral, Self.endOfGenerationTexts.contains(token) { endOfGeneration.insert(id) }
        }

        var byteTokenIDs = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            let spelling = String(Unicode.Scalar(ByteLevel.scalarForByte[byte])!)
            if let id = tokenIDs.lookup(spelling.utf8) { byteTokenIDs[byte] = id }
        }

        self.tokenIDs = tokenIDs
        self.merges = BPEMerges(merges: config.merges) { tokenIDs.lookup($0) }
        self.byteTokenIDs = byteTokenIDs
        self.packedBytes = packedBytes
        self.packedOffsets = packedOffsets
        self.specialTokens = SpecialTokenMatcher(specials)
        self.endOfGenerationIDs = endOfGeneration
        self.ignoresMergesForWholeWords = config.ignoreMerges ?? (config.preTokenizer == .llama3)
    }

    // SentencePiece-style byte tokens are spelled "<0x41>".
    private static func byteTokenValue(_ token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, utf8[0] == UInt8(ascii: "<"), utf8[1] == UInt8(ascii: "0"),
              utf8[2] == UInt8(ascii: "x"), utf8[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }

    public var vocabularySize: Int { config.tokens.count }

    /// Token ids for text, no BOS. With parseSpecial, special/control tokens written in the text
    /// (e.g. "<|im_start|>") become their ids; user-defined added tokens always do, as in HF.
    public func encode(_ text: String, parseSpecial: Bool = true) -> [Int32] {
        let bytes = Array(text.utf8)
        var ids: [Int32] = []
        ids.reserveCapacity(bytes.count / 3 + 4)
        var state = EncodeState()
        var segmentStart = 0
        var position = 0
        if !specialTokens.isEmpty {
            while position < bytes.count {
                if let found = specialTokens.match(bytes, at: position, includeControl: parseSpecial) {
                    encodeOrdinary(bytes, segmentStart, position, into: &ids, &state)
                    ids.append(found.id)
                    position += found.length
                    segmentStart = position
                } else {
                    position += 1
                }
            }
        }
        encodeOrdinary(bytes, segmentStart, bytes.count, into: &ids, &state)
        return ids
    }

    /// Scratch space reused across the pieces of one encode call.
    private struct EncodeState {
        var text = PreTokenizerText()
        var byteOffsets: [Int] = []
        var ends: [Int] = []
        var symbols: [Int32] = []
        /// Prompts repeat words; caching per call keeps the tokenizer free of shared mutable state.
        var cache: [ArraySlice<UInt8>: [Int32]] = [:]
    }

    private func encodeOrdinary(_ bytes: [UInt8], _ start: Int, _ end: Int,
                                into ids: inout [Int32], _ state: inout EncodeState) {
        guard start < end else { return }
        split(bytes, start, end, &state)
        var pieceStart = 0
        for pieceEnd in state.ends {
            let piece = bytes[state.byteOffsets[pieceStart]..<state.byteOffsets[pieceEnd]]
            encodePiece(piece, into: &ids, &state)
            pieceStart = pieceEnd
        }
    }

    /// Leaves in `state` the pre-tokenizer's pieces of bytes[start..<end]: piece i spans bytes
    /// byteOffsets[ends[i - 1]]..<byteOffsets[ends[i]] (with ends[-1] taken as 0).
    private func split(_ bytes: [UInt8], _ start: Int, _ end: Int, _ state: inout EncodeState) {
        state.text.removeAll()
        state.byteOffsets.removeAll(keepingCapacity: true)
        state.ends.removeAll(keepingCapacity: true)
        // `bytes` came from a String, so it is valid UTF-8 and segment bounds fall between scalars.
        var decoder = UTF8()
        var iterator = bytes[start..<end].makeIterator()
        var offset = start
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                state.byteOffsets.append(offset)
                offset += UTF8.width(scalar)
                state.text.append(scalar)
            case .emptyInput, .error:
                break decoding
            }
        }
        state.byteOffsets.append(offset)
        config.preTokenizer.split(state.text, into: &state.ends)
    }

    /// The pieces the pre-tokenizer cuts text into before BPE, special tokens not considered;
    /// for diagnostics and for checking the split against Hugging Face's `pre_tokenize_str`.
    public func preTokenize(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var state = EncodeState()
        split(bytes, 0, bytes.count, &state)
        var pieces: [String] = []
        var pieceStart = 0
        for pieceEnd in state.ends {
            pieces.append(String(decoding: bytes[state.byteOffsets[pieceStart]..<state.byteOffsets[pieceEnd]], as: UTF8.self))
            pieceStart = pieceEnd
        }
        return pieces
    }

    private func encodePiece(_ piece: ArraySlice<UInt8>, into ids: inout [Int32], _ state: inout EncodeState) {
        if piece.count == 1 {
            let id = byteTokenIDs[Int(piece.first!)]
            if id >= 0 { ids.append(id) }
            return
        }
        if let cached = state.cache[piece] {
            ids.append(contentsOf: cached)
            return
        }
        if ignoresMergesForWholeWords, let id = tokenIDs.lookup(ByteLevel.encode(piece).utf8) {
            ids.append(id)
            state.cache[piece] = [id]
            return
        }
        state.symbols.removeAll(keepingCapacity: true)
        for byte in piece {
            // HF drops characters missing from the vocabulary when there is no unknown token.
            let id = byteTokenIDs[Int(byte)]
            if id >= 0 { state.symbols.append(id) }
        }
        merges.apply(&state.symbols)
        ids.append(contentsOf: state.symbols)
        if piece.count <= 64 { state.cache[piece] = state.symbols }
    }

    /// Text for ids; invalid UTF-8 becomes U+FFFD and ids outside the vocabulary are skipped.
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids { appendBytes(of: id, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Raw bytes of a token (control and user-defined tokens: their text); empty for unknown ids.
    public func tokenBytes(_ id: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        appendBytes(of: id, to: &bytes)
        return bytes
    }

    func appendBytes(of id: Int32, to bytes: inout [UInt8]) {
        guard id >= 0, Int(id) < config.tokens.count else { return }
        let start = Int(packedOffsets[Int(id)]), end = Int(packedOffsets[Int(id) + 1])
        bytes.append(contentsOf: packedBytes[start..<end])
    }

    /// Exact vocabulary lookup: a byte-level spelling ("Ġhello") or a special token's text.
    public func tokenID(for token: String) -> Int32? {
        tokenIDs.lookup(token.utf8)
    }

    /// True for tokens that end generation: eos, and tokens such as <|im_end|>, <|eot_id|>,
    /// <|end_of_text|>, <|endoftext|>.
    /// Every token that ends generation, in id order.
    public var endOfGenerationTokens: [Int32] { endOfGenerationIDs.sorted() }

    public func isEndOfGeneration(_ id: Int32) -> Bool {
        endOfGenerationIDs.contains(id)
    }
}
