import ArgumentParser
import EdgeLLMEngine
import EdgeLLMModelFile

/// `edgellm info`: what is inside a model file and what it needs to run.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a model's architecture, shapes, tensor types, size and memory needs.")

    @Argument(help: "The model file (.tm2.bin).")
    var model: String

    @Option(help: "Context length to size the KV cache for.")
    var ctx: Int = 2048

    @Option(help: "KV cache precision: f16, f32, or q8_0 (half the memory of f16; head sizes that are multiples of 32).")
    var kv: KVCache.Precision = .f16

    @Flag(help: "List every tensor.")
    var tensors = false

    static let bytesPerValue: [KVCache.Precision: String] = [.f32: "4", .f16: "2", .q8_0: "34/32"]

    func validate() throws {
        guard ctx > 0, ctx <= 1 << 20 else { throw ValidationError("--ctx must be in 1...1048576, not \(ctx)") }
    }

    func run() throws {
        let m = try LanguageModel(path: model)
        let c = m.config
        if let problem = KVCache.unsupported(config: c, precision: kv) { throw EngineError(problem) }
        let mb = megabytes
        var lines = [
            "file: \(model) (\(mb(m.file.fileSize)), TM2 v\(m.file.version))",
            "name: \(c.name)",
            "architecture: \(c.architecture.rawValue)",
            "vocab: \(c.vocabSize), dim: \(c.dim), layers: \(c.layerCount), heads: \(c.headCount), kv heads: \(c.kvHeadCount), head dim: \(c.headDim), ffn: \(c.ffnDim)",
            "max context: \(c.maxSequenceLength), rope theta: \(c.ropeTheta)"
                + (c.ropeScaling.map { ", llama3 rope scaling x\($0.factor)" } ?? "")
                + ", rms eps: \(c.rmsNormEps), tied embeddings: \(c.tiedEmbeddings)",
            "tokenizer: byte-level BPE, \(m.tokenizer.config.tokens.count) tokens, pre-tokenizer \(m.tokenizer.config.preTokenizer.rawValue)",
            "recipe: \(m.recipe ?? "unknown")",
        ]
        if let prompt = m.file.metadata.optionalString(MetadataKey.intentPrompt) {
            lines.append("fine-tuned for intents: \(prompt) prompt")
        }
        var byType: [TensorType: (count: Int, bytes: Int)] = [:]
        for t in m.file.tensors { byType[t.type, default: (0, 0)].count += 1; byType[t.type, default: (0, 0)].bytes += t.size }
        lines.append("tensors: " + TensorType.allCases.compactMap { type in
            byType[type].map { "\($0.count) \(type) (\(mb($0.bytes)))" }
        }.joined(separator: ", "))
        let e = MemoryEstimate(file: m.file, config: c, contextLength: ctx, kvPrecision: kv)
        lines.append("memory at ctx \(ctx): \(mb(e.totalBytes)) = weights \(mb(e.weightBytes)) + KV cache \(mb(e.kvCacheBytes)) (2 × \(c.layerCount) layers × \(ctx) × \(c.kvDim) kv dim × \(Self.bytesPerValue[kv]!) bytes) + buffers \(mb(e.bufferBytes))")
        if tensors {
            for t in m.file.tensors {
                lines.append("  \(t.name) \(t.type) \(t.shape) \(t.size) bytes")
            }
        }
        StandardStreams.out(lines.joined(separator: "\n") + "\n")
    }
}
