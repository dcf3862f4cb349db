import EdgeLLMTokenizer

/// How `ModelConfig` and `TokenizerConfig` are written into, and read back from, TM2 metadata.
public enum MetadataKey {
    public static let architecture = "general.architecture"
    public static let name = "general.name"
    public static let recipe = "quantization.recipe"
    public static let source = "quantization.source"
    /// The prompt a model was fine-tuned with for intent recognition: "plain" (instructions and
    /// the home's names, no example commands) or "examples". Absent for models not fine-tuned.
    public static let intentPrompt = "intents.prompt"
}

extension ModelConfig {
    public func write(to m: inout Metadata) {
        m[MetadataKey.architecture] = .string(architecture.rawValue)
        m[MetadataKey.name] = .string(name)
        m["model.vocab_size"] = .int(Int64(vocabSize))
        m["model.dim"] = .int(Int64(dim))
        m["model.n_layers"] = .int(Int64(layerCount))
        m["model.n_heads"] = .int(Int64(headCount))
        m["model.n_kv_heads"] = .int(Int64(kvHeadCount))
        m["model.head_dim"] = .int(Int64(headDim))
        m["model.ffn_dim"] = .int(Int64(ffnDim))
        m["model.max_seq_len"] = .int(Int64(maxSequenceLength))
        m["model.rms_eps"] = .float(Double(rmsNormEps))
        m["model.rope_theta"] = .float(Double(ropeTheta))
        m["model.tied_embeddings"] = .bool(tiedEmbeddings)
        if let s = ropeScaling {
            m["model.rope_scaling.type"] = .string("llama3")
            m["model.rope_scaling.factor"] = .float(Double(s.factor))
            m["model.rope_scaling.low_freq_factor"] = .float(Double(s.lowFreqFactor))
            m["model.rope_scaling.high_freq_factor"] = .float(Double(s.highFreqFactor))
            m["model.rope_scaling.original_max_positions"] = .int(Int64(s.originalMaxPositions))
        }
    }

    public init(metadata m: Metadata) throws(ModelFileError) {
        let archName = try m.string(MetadataKey.architecture)
        guard let arch = Architecture(rawValue: archName) else {
            let known = Architecture.allCases.map(\.rawValue).joined(separator: ", ")
            throw ModelFileError("Invalid model format: unknown architecture '\(archName)' (supported: \(known))")
        }
        var scaling: Llama3RopeScaling?
        if let type = m.optionalString("model.rope_scaling.type") {
            guard type == "llama3" else {
                throw ModelFileError("Invalid model format: unknown rope scaling '\(type)'")
            }
            scaling = Llama3RopeScaling(
                factor: try m.float("model.rope_scaling.factor"),
                lowFreqFactor: try m.float("model.rope_scaling.low_freq_factor"),
                highFreqFactor: try m.float("model.rope_scaling.high_freq_factor"),
                originalMaxPositions: try m.int("model.rope_scaling.original_max_positions"))
        }
        self.init(
            architecture: arch,
            name: m.optionalString(MetadataKey.name) ?? "",
            vocabSize: try m.int("model.vocab_size"),
            dim: try m.int("model.dim"),
            layerCount: try m.int("model.n_layers"),
            headCount: try m.int("model.n_heads"),
            kvHeadCount: try m.int("model.n_kv_heads"),
            headDim: try m.int("model.head_dim"),
            ffnDim: try m.int("model.ffn_dim"),
            maxSequenceLength: try m.int("model.max_seq_len"),
            rmsNormEps: try m.float("model.rms_eps"),
            ropeTheta: try m.float("model.rope_theta"),
            ropeScaling: scaling,
            tiedEmbeddings: try m.bool("model.tied_embeddings"))
        try validate()
    }

    /// Hyper-parameters that would make the forward pass index out of bounds are refused here.
    public func validate() throws(ModelFileError) {
        func bad(_ what: String) -> ModelFileError { ModelFileError("Invalid model format: \(what)") }
        let limit = 1 << 20
        for (name, v) in [("vocab_size", vocabSize), ("dim", dim), ("n_layers", layerCount),
                          ("n_heads", headCount), ("n_kv_heads", kvHeadCount), ("head_dim", headDim),
                          ("ffn_dim", ffnDim), ("max_seq_len", maxSequenceLength)] {
            guard v > 0, v <= limit * 16 else { throw bad("\(name) = \(v) is out of range") }
        }
        guard headCount % kvHeadCount == 0 else { throw bad("n_heads \(headCount) is not a multiple of n_kv_heads \(kvHeadCount)") }
        guard headDim % 2 == 0 else { throw bad("head_dim \(headDim) is odd") }
        guard rmsNormEps > 0, rmsNormEps.isFinite, ropeTheta > 0, ropeTheta.isFinite else { throw bad("rms_eps / rope_theta out of range") }
    }
}

extension TokenizerConfig {
    public func write(to m: inout Metadata) {
        m["tokenizer.model"] = .string("gpt2")
        m["tokenizer.pre"] = .string(preTokenizer.rawValue)
        m["tokenizer.tokens"] = .strings(tokens)
        m["tokenizer.merges"] = .strings(merges)
        m["tokenizer.token_types"] = .ints(tokenTypes.map(\.rawValue))
        m["tokenizer.bos_id"] = .int(Int64(bosTokenID ?? -1))
        m["tokenizer.eos_id"] = .int(Int64(eosTokenID ?? -1))
        m["tokenizer.pad_id"] = .int(Int64(padTokenID ?? -1))
        m["tokenizer.add_bos"] = .bool(addBOS)
        if let chatTemplate { m["tokenizer.chat_template"] = .string(chatTemplate) }
        if let ignoreMerges { m["tokenizer.ignore_merges"] = .bool(ignoreMerges) }
    }

    public init(metadata m: Metadata) throws(ModelFileError) {
        let model = try m.string("tokenizer.model")
        guard model == "gpt2" else {
            throw ModelFileError("Invalid model format: tokenizer '\(model)' is not supported (byte-level BPE 'gpt2' only)")
        }
        let preName = try m.string("tokenizer.pre")
        guard let pre = PreTokenizer(rawValue: preName) else {
            throw ModelFileError("Invalid model format: unknown pre-tokenizer '\(preName)'")
        }
        let tokens = try m.strings("tokenizer.tokens")
        let rawTypes = try m.ints("tokenizer.token_types")
        guard rawTypes.count == tokens.count else {
            throw ModelFileError("Invalid model format: \(tokens.count) tokens but \(rawTypes.count) token types")
        }
        func id(_ key: String) throws(ModelFileError) -> Int32? {
            let v = try m.int(key)
            guard v < tokens.count else { throw ModelFileError("Invalid model format: \(key) \(v) is not a token") }
            return v < 0 ? nil : Int32(v)
        }
        self.init(
            tokens: tokens,
            merges: try m.strings("tokenizer.merges"),
            tokenTypes: rawTypes.map { TokenType(rawValue: $0) ?? .normal },
            preTokenizer: pre,
            bosTokenID: try id("tokenizer.bos_id"),
            eosTokenID: try id("tokenizer.eos_id"),
            padTokenID: try id("tokenizer.pad_id"),
            addBOS: try m.bool("tokenizer.add_bos"),
            chatTemplate: m.optionalString("tokenizer.chat_template"),
            ignoreMerges: { if case .bool(let b)? = m["tokenizer.ignore_merges"] { return b } else { return nil } }())
    }
}
