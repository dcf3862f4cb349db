import EdgeLLMModelFile
import EdgeLLMTokenizer

/// A GGUF file (llama.cpp's format) presented as a `SourceModel`.
///
/// Tensor names are GGUF's, which are the canonical names already. Quantised tensors are
/// dequantised to float32 on request, and Q/K of the `llama` architecture are put back into
/// Hugging Face row order (see `unpermuteRopeRows`). `qwen2` and `bitnet` GGUFs are stored
/// unpermuted: llama.cpp runs both with rotate-half ("NeoX") RoPE.
public final class GGUFModel: SourceModel, Sendable {
    public let file: GGUFFile
    public let sourceDescription: String
    public let config: ModelConfig
    public let tokenizer: TokenizerConfig
    public let tensorNames: [String]
    /// llama.cpp permuted Q/K rows of this file (see `unpermuteRopeRows`).
    private let permutesQK: Bool

    /// Tensors folded into the config instead of being presented.
    private static let ropeFreqs = "rope_freqs.weight"

    public convenience init(path: String) throws {
        try self.init(file: try GGUFFile(path: path))
    }

    public init(file: GGUFFile) throws(ImportError) {
        self.file = file
        let meta = file.metadata
        guard let archName = meta["general.architecture"]?.string else {
            throw ImportError("invalid GGUF file: general.architecture is missing")
        }
        guard let arch = ModelConfig.Architecture(rawValue: archName) else {
            throw ImportError("unsupported architecture '\(archName)' (supported: llama, qwen2, bitnet)")
        }

        for t in file.tensors where !t.type.canDequantize {
            throw ImportError("unsupported GGUF tensor type '\(t.type.name)' in \(t.name)")
        }

        func value(_ key: String) -> GGUFValue? { meta["\(archName).\(key)"] }
        func int(_ key: String) throws(ImportError) -> Int {
            guard let v = value(key) else { throw ImportError("GGUF metadata \(archName).\(key) is missing") }
            guard let n = v.int, n > 0 else {
                if v.array != nil {
                    throw ImportError("GGUF metadata \(archName).\(key) varies per layer, which is not supported")
                }
                throw ImportError("GGUF metadata \(archName).\(key) is not a positive integer")
            }
            return n
        }
        func float(_ key: String, default d: Double?) throws(ImportError) -> Double {
            guard let v = value(key) else {
                if let d { return d }
                throw ImportError("GGUF metadata \(archName).\(key) is missing")
            }
            guard let x = v.double, x.isFinite else { throw ImportError("GGUF metadata \(archName).\(key) is not a number") }
            return x
        }

        let dim = try int("embedding_length")
        let layers = try int("block_count")
        let heads = try int("attention.head_count")
        var kvHeads = heads
        if value("attention.head_count_kv") != nil { kvHeads = try int("attention.head_count_kv") }
        let ffn = try int("feed_forward_length")
        let context = try int("context_length")
        let eps = try float("attention.layer_norm_rms_epsilon", default: nil)
        let theta = try float("rope.freq_base", default: 10000)
        let headDim: Int
        if value("attention.key_length") != nil {
            headDim = try int("attention.key_length")
        } else {
            guard dim % heads == 0 else {
                throw ImportError("GGUF model width \(dim) does not split into \(heads) heads")
            }
            headDim = dim / heads
        }
        guard heads % kvHeads == 0, headDim % 2 == 0 else {
            throw ImportError("GGUF attention geometry is invalid (\(heads) heads, \(kvHeads) KV heads, head size \(headDim))")
        }
        if value("rope.dimension_count") != nil, try int("rope.dimension_count") != headDim {
            throw ImportError("partial rotary embeddings are not supported (\(archName).rope.dimension_count differs from the head size)")
        }

        let tokenizer = try TokenizerConfig(gguf: file)
        guard let embedding = file.tensor(named: TensorName.tokenEmbedding) else {
            throw ImportError("GGUF file has no \(TensorName.tokenEmbedding)")
        }
        guard embedding.dims.count == 2, embedding.dims[0] == dim else {
            throw ImportError("GGUF \(TensorName.tokenEmbedding) has shape \(embedding.shape), expected [vocab, \(dim)]")
        }
        // Embedding rows beyond the token list are padding a converter may have added.
        let vocabSize = embedding.dims[1]
        guard tokenizer.tokens.count <= vocabSize else {
            throw ImportError("GGUF tokenizer has \(tokenizer.tokens.count) tokens but the embedding only \(vocabSize) rows")
        }

        let ropeScaling = try Self.ropeScaling(file: file, archName: archName, theta: Float(theta),
                                               headDim: headDim)

        var name = meta["general.name"]?.string ?? ""
        if name.isEmpty { name = baseName(file.path, dropping: ".gguf") }

        config = ModelConfig(architecture: arch, name: name, vocabSize: vocabSize, dim: dim, layerCount: layers,
                             headCount: heads, kvHeadCount: kvHeads, headDim: headDim, ffnDim: ffn,
                             maxSequenceLength: context, rmsNormEps: Float(eps), ropeTheta: Float(theta),
                             ropeScaling: ropeScaling,
                             tiedEmbeddings: file.tensor(named: TensorName.output) == nil)
        self.tokenizer = tokenizer
        sourceDescription = "gguf:\(baseName(file.path, dropping: ""))"
        tensorNames = file.tensors.map(\.name).filter { $0 != Self.ropeFreqs }
        for name in tensorNames where !TensorNameMap.isSupported(canonical: name, layerCount: layers) {
            throw ImportError("unsupported tensor '\(name)' in \(sourceDescription): the \(archName) forward pass has no place for it")
        }
        permutesQK = arch == .llama
    }

    /// The head count llama.cpp permuted a tensor's rows with, or nil if it left them alone.
    private func permutedHeadCount(_ name: String) -> Int? {
        guard permutesQK, name.hasPrefix("blk.") else { return nil }
        if name.hasSuffix(".attn_q.weight") || name.hasSuffix(".attn_q.bias") { return config.headCount }
        if name.hasSuffix(".attn_k.weight") || name.hasSuffix(".attn_k.bias") { return config.kvHeadCount }
        return nil
    }

    private static func ropeScaling(file: GGUFFile, archName: String, theta: Float,
                                    headDim: Int) throws(ImportError) -> ModelConfig.Llama3RopeScaling? {
        let meta = file.metadata
        func number(_ key: String) -> Double? { meta["\(archName).rope.scaling.\(key)"]?.double }
        let originalContext = meta["\(archName).rope.scaling.original_context_length"]?.int

        switch meta["\(archName).rope.scaling.type"]?.string {
        case nil, "none":
            break
        case "linear":
            // BitNet GGUFs declare linear scaling by 1, which is no scaling.
            guard let f = number("factor"), f != 1 else { break }
            throw ImportError("unsupported RoPE scaling: linear by \(f)")
        case "llama3":
            guard let f = number("factor"), f >= 1 else {
                throw ImportError("GGUF llama3 RoPE scaling has no valid factor")
            }
            return ModelConfig.Llama3RopeScaling(
                factor: Float(f), lowFreqFactor: Float(number("low_freq_factor") ?? 1),
                highFreqFactor: Float(number("high_freq_factor") ?? 4),
                originalMaxPositions: originalContext ?? 8192)
        case let other?:
            throw ImportError("unsupported RoPE scaling '\(other)' (only Llama 3 scaling is supported)")
        }

        // llama.cpp stores Llama 3 scaling as a tensor of per-frequency divisors.
        guard let t = file.tensor(named: ropeFreqs) else { return nil }
        return try Llama3RopeFit.fit(divisors: try file.dequantize(t), theta: theta, headDim: headDim,
                                     originalContext: originalContext)
    }

    private func info(_ name: String) throws(ImportError) -> GGUFTensorInfo {
        guard name != Self.ropeFreqs, let t = file.tensor(named: name) else {
            throw ImportError("no tensor '\(name)' in \(sourceDescription)")
        }
        return t
    }

    public func shape(of name: String) throws -> [Int] {
        try info(name).shape
    }

    public func loadFloat32(_ name: String) throws -> [Float] {
        let t = try info(name)
        let values = try file.dequantize(t)
        guard let heads = permutedHeadCount(name) else { return values }
        return try unpermuteRopeRows(values, headCount: heads, rowLength: t.dims.count == 1 ? 1 : t.dims[0])
    }
}
