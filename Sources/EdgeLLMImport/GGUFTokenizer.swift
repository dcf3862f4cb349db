import EdgeLLMTokenizer

extension TokenizerConfig {
    /// The tokenizer stored in a GGUF file's `tokenizer.*` metadata. Only byte-level BPE
    /// (`tokenizer.ggml.model` = "gpt2") is supported, which covers Llama 3, Qwen2 and SmolLM.
    init(gguf: GGUFFile) throws(ImportError) {
        let meta = gguf.metadata
        guard let model = meta["tokenizer.ggml.model"]?.string else {
            throw ImportError("GGUF file has no tokenizer (tokenizer.ggml.model is missing)")
        }
        guard model == "gpt2" else {
            throw ImportError("unsupported GGUF tokenizer '\(model)' (only byte-level BPE, 'gpt2', is supported)")
        }
        let tokens = try Self.strings(meta, "tokenizer.ggml.tokens")
        guard !tokens.isEmpty else { throw ImportError("GGUF file has an empty token list") }
        let merges = try Self.strings(meta, "tokenizer.ggml.merges")

        var types = [TokenType](repeating: .normal, count: tokens.count)
        if let raw = meta["tokenizer.ggml.token_type"] {
            guard let values = raw.array, values.count == tokens.count else {
                throw ImportError("GGUF tokenizer.ggml.token_type does not match the \(tokens.count) tokens")
            }
            for (i, v) in values.enumerated() {
                guard let n = v.int, (0...6).contains(n) else {
                    throw ImportError("GGUF tokenizer.ggml.token_type holds an unknown type at token \(i)")
                }
                // 0 is llama.cpp's "undefined", which it treats as normal.
                types[i] = TokenType(rawValue: Int32(n)) ?? .normal
            }
        }

        let preName = meta["tokenizer.ggml.pre"]?.string
        let pre: PreTokenizer
        switch preName {
        case "smollm": pre = .smollm
        case "llama-bpe", "llama3": pre = .llama3
        case "qwen2": pre = .qwen2
        case nil, "default", "gpt-2", "gpt2": pre = .gpt2
        case let other?:
            throw ImportError("unsupported pre-tokenizer '\(other)' (supported: smollm, llama-bpe, qwen2, gpt-2, default)")
        }

        func id(_ key: String, required: Bool) throws(ImportError) -> Int32? {
            guard let v = meta[key] else { return nil }
            guard let n = v.int, n >= 0, n < tokens.count else {
                if required { throw ImportError("GGUF \(key) is not a token of the \(tokens.count)-token vocabulary") }
                return nil
            }
            return Int32(n)
        }

        let addBOS: Bool
        if let v = meta["tokenizer.ggml.add_bos_token"] {
            guard let b = v.bool else { throw ImportError("GGUF tokenizer.ggml.add_bos_token is not a bool") }
            addBOS = b
        } else {
            // llama.cpp's default when the key is absent: only the Llama 3 pre-tokenizer adds BOS.
            addBOS = pre == .llama3
        }

        self.init(tokens: tokens, merges: merges, tokenTypes: types, preTokenizer: pre,
                  bosTokenID: try id("tokenizer.ggml.bos_token_id", required: true),
                  eosTokenID: try id("tokenizer.ggml.eos_token_id", required: true),
                  padTokenID: try id("tokenizer.ggml.padding_token_id", required: false),
                  addBOS: addBOS,
                  chatTemplate: meta["tokenizer.chat_template"]?.string)
    }

    private static func strings(_ meta: [String: GGUFValue], _ key: String) throws(ImportError) -> [String] {
        guard let values = meta[key]?.array else {
            throw ImportError("GGUF file has no \(key)")
        }
        var out: [String] = []
        out.reserveCapacity(values.count)
        for v in values {
            guard case .string(let s) = v else { throw ImportError("GGUF \(key) holds a non-string") }
            out.append(s)
        }
        return out
    }
}
