/// Everything needed to build a tokenizer: the vocabulary, the BPE merges and the special tokens.
/// Model files (TM2, GGUF) and tokenizer.json both reduce to this.
public struct TokenizerConfig: Sendable, Equatable {
    /// Token types, numbered as GGUF numbers them.
    public enum TokenType: Int32, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// The regular expression family used to split text before BPE.
    public enum PreTokenizer: String, Sendable, CaseIterable {
        /// GPT-2's split.
        case gpt2
        /// SmolLM / SmolLM2: every digit alone, then GPT-2's split.
        case smollm
        /// Llama 3: digits in runs of up to three, case-insensitive contractions.
        case llama3
        /// Qwen2: as Llama 3 but every digit alone.
        case qwen2
    }

    /// Token strings in GPT-2 byte-level form (bytes mapped to printable code points).
    public var tokens: [String]
    /// Merges "left right", highest priority first.
    public var merges: [String]
    public var tokenTypes: [TokenType]
    public var preTokenizer: PreTokenizer
    public var bosTokenID: Int32?
    public var eosTokenID: Int32?
    public var padTokenID: Int32?
    /// Whether a BOS token is prepended when generating from a prompt.
    public var addBOS: Bool
    /// The model's chat template as published (Jinja text), used to pick a built-in template.
    public var chatTemplate: String?
    /// Whether a pre-token that is itself in the vocabulary is taken whole instead of being merged
    /// (HF `ignore_merges`). nil: as the pre-tokenizer family does, which is true for Llama 3 only
    /// (Meta's tokenizer.json sets it, and llama.cpp assumes it), so GGUF and TM2 need not store it.
    public var ignoreMerges: Bool?

    public init(tokens: [String], merges: [String], tokenTypes: [TokenType], preTokenizer: PreTokenizer,
                bosTokenID: Int32?, eosTokenID: Int32?, padTokenID: Int32? = nil, addBOS: Bool,
                chatTemplate: String? = nil, ignoreMerges: Bool? = nil) {
        self.tokens = tokens
        self.merges = merges
        self.tokenTypes = tokenTypes
        self.preTokenizer = preTokenizer
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        self.padTokenID = padTokenID
        self.addBOS = addBOS
        self.chatTemplate = chatTemplate
        self.ignoreMerges = ignoreMerges
    }
}
