import EdgeLLMModelFile

/// What config.json of a Hugging Face model says, mapped onto `ModelConfig`.
///
/// Defaults for absent keys are those of the transformers configuration class of each
/// architecture, so that a config.json written with defaults omitted reads as transformers reads it.
struct HuggingFaceConfig {
    /// How packed BitNet weights turn back into real-valued weights.
    enum BitNetScale {
        /// `BitLinear` (transformers' default `linear_class`): outputs are divided by
        /// `weight_scale`, so the weight is the ternary value divided by it.
        case divide
        /// `AutoBitLinear`: outputs are multiplied by `weight_scale`.
        case multiply
    }

    var model: ModelConfig
    /// nil when config.json does not say; the weights then decide.
    var tieWordEmbeddings: Bool?
    /// Set when the checkpoint holds 2-bit packed BitNet weights with `weight_scale` tensors.
    var bitnetScale: BitNetScale?

    init(json: JSONValue, name: String) throws(ImportError) {
        guard case .object(let o) = json else { throw ImportError("config.json is not a JSON object") }

        let modelType = o["model_type"]?.string
        let archClass = o["architectures"]?.array?.first?.string
        let arch: ModelConfig.Architecture
        switch (modelType, archClass) {
        case ("llama", _), (nil, "LlamaForCausalLM"): arch = .llama
        case ("qwen2", _), (nil, "Qwen2ForCausalLM"): arch = .qwen2
        case ("bitnet", _), (nil, "BitNetForCausalLM"), (nil, "BitnetForCausalLM"): arch = .bitnet
        default:
            let shown = modelType ?? archClass ?? "none given"
            throw ImportError("unsupported architecture '\(shown)' (supported: llama, qwen2, bitnet)")
        }

        func int(_ key: String, default d: Int? = nil) throws(ImportError) -> Int {
            guard let v = o[key], !v.isNull else {
                if let d { return d }
                throw ImportError("config.json has no \(key)")
            }
            guard let n = v.int, n > 0 else { throw ImportError("config.json \(key) is not a positive integer") }
            return n
        }
        func double(_ v: JSONValue?, _ key: String, default d: Double) throws(ImportError) -> Double {
            guard let v, !v.isNull else { return d }
            guard let x = v.double, x.isFinite else { throw ImportError("config.json \(key) is not a number") }
            return x
        }

        let dim = try int("hidden_size")
        let heads = try int("num_attention_heads")
        let kvHeads = try int("num_key_value_heads", default: heads)
        let layers = try int("num_hidden_layers")
        let ffn = try int("intermediate_size")
        let vocab = try int("vocab_size")
        guard dim % heads == 0 || o["head_dim"].map({ !$0.isNull }) == true else {
            throw ImportError("config.json hidden_size \(dim) does not split into \(heads) heads")
        }
        let headDim = try int("head_dim", default: dim / heads)
        guard heads % kvHeads == 0, headDim % 2 == 0 else {
            throw ImportError("config.json attention geometry is invalid (\(heads) heads, \(kvHeads) KV heads, head size \(headDim))")
        }
        let maxPositions = try int("max_position_embeddings", default: arch == .qwen2 ? 32768 : 2048)
        let eps = try double(o["rms_norm_eps"], "rms_norm_eps", default: arch == .bitnet ? 1e-5 : 1e-6)

        let activation = o["hidden_act"]?.string ?? (arch == .bitnet ? "relu2" : "silu")
        let expected = arch == .bitnet ? "relu2" : "silu"
        guard activation == expected else {
            throw ImportError("unsupported activation '\(activation)' for \(arch.rawValue) (expected \(expected))")
        }
        if o["use_sliding_window"]?.bool == true {
            throw ImportError("sliding-window attention is not supported (config.json use_sliding_window is true)")
        }
        if let f = o["partial_rotary_factor"]?.double, f != 1 {
            throw ImportError("partial rotary embeddings are not supported (partial_rotary_factor \(f))")
        }

        // transformers 5 writes `rope_parameters` (theta included); older versions write
        // `rope_theta` and `rope_scaling`.
        let ropeParameters = o["rope_parameters"].flatMap { $0.isNull ? nil : $0 }
        let defaultTheta: Double = arch == .bitnet ? 500_000 : 10_000
        let theta = try double(ropeParameters?["rope_theta"] ?? o["rope_theta"], "rope_theta", default: defaultTheta)
        let scalingObject = ropeParameters ?? o["rope_scaling"].flatMap { $0.isNull ? nil : $0 }
        let ropeScaling = try Self.ropeScaling(scalingObject, maxPositions: maxPositions)

        if let q = o["quantization_config"], !q.isNull {
            let method = q["quant_method"]?.string ?? "unknown"
            guard method == "bitnet" else {
                throw ImportError("unsupported quantization '\(method)' in config.json (only unquantised or BitNet checkpoints)")
            }
            bitnetScale = q["linear_class"]?.string == "autobitlinear" ? .multiply : .divide
            if q["quantization_mode"]?.string == "online" { bitnetScale = nil }
            if q["use_rms_norm"]?.bool == true {
                throw ImportError("BitNet checkpoints with use_rms_norm are not supported")
            }
        }

        if let t = o["tie_word_embeddings"], !t.isNull {
            guard let b = t.bool else { throw ImportError("config.json tie_word_embeddings is not a bool") }
            tieWordEmbeddings = b
        }

        model = ModelConfig(architecture: arch, name: name, vocabSize: vocab, dim: dim, layerCount: layers,
                            headCount: heads, kvHeadCount: kvHeads, headDim: headDim, ffnDim: ffn,
                            maxSequenceLength: maxPositions, rmsNormEps: Float(eps), ropeTheta: Float(theta),
                            ropeScaling: ropeScaling, tiedEmbeddings: tieWordEmbeddings ?? false)
    }

    private static func ropeScaling(_ v: JSONValue?, maxPositions: Int) throws(ImportError) -> ModelConfig.Llama3RopeScaling? {
        guard let v else { return nil }
        let type = v["rope_type"]?.string ?? v["type"]?.string ?? "default"
        switch type {
        case "default":
            return nil
        case "linear" where v["factor"]?.double == 1:
            return nil
        case "llama3":
            guard let factor = v["factor"]?.double, factor >= 1,
                  let low = v["low_freq_factor"]?.double, let high = v["high_freq_factor"]?.double,
                  low > 0, high > low,
                  let original = v["original_max_position_embeddings"]?.int, original > 0 else {
                throw ImportError("config.json llama3 rope scaling is incomplete")
            }
            return ModelConfig.Llama3RopeScaling(factor: Float(factor), lowFreqFactor: Float(low),
                                                 highFreqFactor: Float(high), originalMaxPositions: original)
        default:
            throw ImportError("unsupported rope scaling '\(type)' in config.json (only llama3 is supported)")
        }
    }
}
