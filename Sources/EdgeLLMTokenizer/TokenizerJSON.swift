import FoundationEssentials

extension TokenizerConfig {
    /// From Hugging Face tokenizer.json bytes (model.type BPE with byte-level), plus optional
    /// tokenizer_config.json bytes (chat_template, bos_token, eos_token, pad_token, add_bos_token).
    public init(tokenizerJSON: [UInt8], tokenizerConfigJSON: [UInt8]?) throws {
        let file = try decodeJSON(HFTokenizerFile.self, from: tokenizerJSON, file: "tokenizer.json")
        let settings = try tokenizerConfigJSON.map {
            try decodeJSON(JSONValue.self, from: $0, file: "tokenizer_config.json")
        } ?? .null
        switch settings {
        case .null, .object: break
        default: throw TokenizerError("tokenizer_config.json: expected an object")
        }

        let preTokenizer = try Self.preTokenizer(from: file.preTokenizer ?? .null)
        try Self.checkNormalizer(file.normalizer ?? .null)

        let vocab = file.model.vocab
        let added = file.addedTokens
        // Ids index an array, so an absurd id must fail here rather than exhaust memory.
        let idLimit = 2 * (vocab.count + added.count) + 1024
        var maxID = -1
        for id in vocab.values {
            guard id >= 0, id < idLimit else { throw TokenizerError("tokenizer.json: token id \(id) is out of range") }
            maxID = max(maxID, id)
        }
        for token in added {
            guard token.id >= 0, token.id < idLimit else {
                throw TokenizerError("tokenizer.json: added token id \(token.id) is out of range")
            }
            maxID = max(maxID, token.id)
        }
        guard maxID >= 0 else { throw TokenizerError("tokenizer.json: the vocabulary is empty") }

        var tokens = [String](repeating: "", count: maxID + 1)
        var types = [TokenType](repeating: .unused, count: maxID + 1)
        for (token, id) in vocab {
            tokens[id] = token
            types[id] = .normal
        }
        for token in added {
            tokens[token.id] = token.content
            types[token.id] = token.special ? .control : .userDefined
        }

        func id(of field: String) -> Int32? {
            // Written either as the token text or as {"content": text, ...}.
            guard let value = settings[field], let text = value.string ?? value["content"]?.string else { return nil }
            if let added = added.first(where: { $0.content == text }) { return Int32(added.id) }
            return vocab[text].map(Int32.init)
        }
        let templateBOS = Self.leadingSpecialToken(in: file.postProcessor ?? .null)
        let bos = id(of: "bos_token") ?? templateBOS.flatMap { text in
            added.first(where: { $0.content == text }).map { Int32($0.id) } ?? vocab[text].map(Int32.init)
        }
        let addBOS = settings["add_bos_token"]?.bool ?? (templateBOS != nil && bos != nil)

        self.init(tokens: tokens, merges: file.model.merges, tokenTypes: types, preTokenizer: preTokenizer,
                  bosTokenID: bos, eosTokenID: id(of: "eos_token"), padTokenID: id(of: "pad_token"),
                  addBOS: addBOS, chatTemplate: Self.chatTemplate(in: settings),
                  ignoreMerges: file.model.ignoreMerges ?? false)
    }

    // The regexes we reproduce, spelled as the tokenizer.json files of Llama 3 and Qwen2 spell them.
    static let llama3Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// Recognises the pre-tokenizer trees of the model families we support and nothing else: an
    /// unknown split would silently produce ids the model never saw.
    static func preTokenizer(from tree: JSONValue) throws -> PreTokenizer {
        var steps: [JSONValue] = []
        func flatten(_ node: JSONValue) {
            if node["type"]?.string == "Sequence", let children = node["pretokenizers"]?.array {
                children.forEach(flatten)
            } else if !node.isNull {
                steps.append(node)
            }
        }
        flatten(tree)
        let kinds = steps.map { $0["type"]?.string ?? "?" }
        // HF's ByteLevel defaults to use_regex = true when the field is absent.
        let byteLevelUsesRegex = steps.last?["use_regex"]?.bool ?? true
        switch kinds {
        case ["ByteLevel"] where byteLevelUsesRegex:
            return .gpt2
        case ["Digits", "ByteLevel"] where byteLevelUsesRegex && steps[0]["individual_digits"]?.bool == true:
            return .smollm
        case ["Split", "ByteLevel"] where !byteLevelUsesRegex:
            let split = steps[0]
            let behavior = split["behavior"]?.string ?? "Isolated"
            let inverted = split["invert"]?.bool ?? false
            guard behavior == "Isolated", !inverted, let pattern = split["pattern"]?["Regex"]?.string else { break }
            if pattern == llama3Pattern { return .llama3 }
            if pattern == qwen2Pattern { return .qwen2 }
            throw TokenizerError("tokenizer.json: unsupported pre-tokenizer pattern \(pattern)")
        default:
            break
        }
        throw TokenizerError("tokenizer.json: unsupported pre-tokenizer \(kinds.joined(separator: "+"))"
                             + " (expected byte-level BPE as in GPT-2, SmolLM, Llama 3 or Qwen2)")
    }

    // NFC is accepted but not applied: prompts are nearly always NFC already, and the stdlib has
    // no public normaliser. Anything else (lowercasing, SentencePiece's "▁") would change ids.
    private static func checkNormalizer(_ normalizer: JSONValue) throws {
        guard !normalizer.isNull else { return }
        let kind = normalizer["type"]?.string ?? "?"
        if kind == "NFC" { return }
        if kind == "Sequence", normalizer["normalizers"]?.array?.isEmpty == true { return }
        throw TokenizerError("tokenizer.json: unsupported normalizer \(kind)")
    }

    /// The special token a TemplateProcessing post-processor puts first (Llama 3's BOS), if any.
    private static func leadingSpecialToken(in processor: JSONValue) -> String? {
        switch processor["type"]?.string {
        case "TemplateProcessing":
            return processor["single"]?.array?.first?["SpecialToken"]?["id"]?.string
        case "Sequence":
            return processor["processors"]?.array?.lazy.compactMap(leadingSpecialToken).first
        default:
            return nil
        }
    }

    /// chat_template is a string, or a list of named templates of which "default" is the chat one.
    private static func chatTemplate(in settings: JSONValue) -> String? {
        guard let field = settings["chat_template"] else { return nil }
        if let text = field.string { return text }
        let named = field.array ?? []
        let chosen = named.first(where: { $0["name"]?.string == "default" }) ?? named.first
        return chosen?["template"]?.string
    }
}

/// The parts of tokenizer.json we read; the vocabulary and merges get typed decoding because they
/// are most of the file.
private struct HFTokenizerFile: Decodable {
    struct AddedToken: Decodable {
        let id: Int
        let content: String
        let special: Bool

        enum CodingKeys: String, CodingKey { case id, content, special }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(Int.self, forKey: .id)
            content = try container.decode(String.self, forKey: .content)
            special = try container.decodeIfPresent(Bool.self, forKey: .special) ?? false
        }
    }

    struct Model: Decodable {
        let vocab: [String: Int]
        /// As "left right", whichever of the two spellings the file uses.
        let merges: [String]
        let ignoreMerges: Bool?

        enum CodingKeys: String, CodingKey {
            case type, vocab, merges
            case ignoreMerges = "ignore_merges"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let type = try container.decodeIfPresent(String.self, forKey: .type), type != "BPE" {
                throw TokenizerError("tokenizer.json: unsupported model type \(type) (expected BPE)")
            }
            vocab = try container.decode([String: Int].self, forKey: .vocab)
            merges = try container.decodeIfPresent([Merge].self, forKey: .merges)?.map(\.text) ?? []
            ignoreMerges = try container.decodeIfPresent(Bool.self, forKey: .ignoreMerges)
        }
    }

    /// tokenizers < 0.20 writes "left right"; later versions write ["left", "right"].
    struct Merge: Decodable {
        let text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let pair = try? container.decode([String].self) {
                guard pair.count == 2 else { throw TokenizerError("tokenizer.json: a merge is not a pair") }
                text = pair[0] + " " + pair[1]
            } else {
                text = try container.decode(String.self)
            }
        }
    }

    let model: Model
    let addedTokens: [AddedToken]
    let normalizer: JSONValue?
    let preTokenizer: JSONValue?
    let postProcessor: JSONValue?

    enum CodingKeys: String, CodingKey {
        case model, normalizer
        case addedTokens = "added_tokens"
        case preTokenizer = "pre_tokenizer"
        case postProcessor = "post_processor"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(Model.self, forKey: .model)
        addedTokens = try container.decodeIfPresent([AddedToken].self, forKey: .addedTokens) ?? []
        normalizer = try container.decodeIfPresent(JSONValue.self, forKey: .normalizer)
        preTokenizer = try container.decodeIfPresent(JSONValue.self, forKey: .preTokenizer)
        postProcessor = try container.decodeIfPresent(JSONValue.self, forKey: .postProcessor)
    }
}
