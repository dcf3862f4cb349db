import CEdgeLLMKernels
import EdgeLLMModelFile
import EdgeLLMTokenizer

/// What `edgellm convert` makes of a source model.
public struct ConversionOptions: Sendable, Equatable {
    public enum TernaryScale: String, Sendable, CaseIterable {
        /// One scale for the whole tensor, as BitNet b1.58 trains it.
        case tensor
        /// One scale per output row: a little more accurate for post-training ternarisation.
        case row
    }

    /// The linear layers of the transformer blocks.
    public var weights: TensorType
    /// The token embedding.
    public var embedding: TensorType
    /// The output head (written as its own tensor only when it differs from a tied embedding).
    public var head: TensorType
    public var ternaryScale: TernaryScale
    /// Written as `intents.prompt`: the prompt the model was fine-tuned with.
    public var intentPrompt: String?

    public init(weights: TensorType, embedding: TensorType? = nil, head: TensorType? = nil,
                ternaryScale: TernaryScale = .tensor, intentPrompt: String? = nil) {
        self.weights = weights
        // Ternary embeddings and heads ruin quality; 8-bit keeps it at a small cost in size.
        let dense: TensorType = weights == .ternary ? .q8_0 : weights
        self.embedding = embedding ?? (head ?? dense)
        self.head = head ?? dense
        self.ternaryScale = ternaryScale
        self.intentPrompt = intentPrompt
    }

    var recipe: String {
        "weights=\(weights) embed=\(embedding) head=\(head)"
            + (weights == .ternary ? " ternary_scale=\(ternaryScale.rawValue) ternary=absmean_or_given" : "")
    }
}

/// Converts any `SourceModel` to a TM2 file, one tensor at a time.
public enum Converter {
    /// `progress(done, total, tensorName)` is called before each tensor.
    public static func convert(_ source: SourceModel, to path: String, options: ConversionOptions,
                               progress: (Int, Int, String) -> Void = { _, _, _ in }) throws {
        let config = source.config
        try config.validate()
        let names = Set(source.tensorNames)
        var plan: [(info: TensorInfo, sourceName: String)] = []

        func add(_ name: String, from sourceName: String, type wanted: TensorType) throws {
            let shape = try source.shape(of: sourceName)
            var type = wanted
            if shape.count != 2 {
                type = .f32 // norms and biases: tiny, and read as floats by the forward pass
            } else if shape[1] % type.blockSize != 0 {
                type = .f16 // rows too short for 32-weight blocks
            }
            let scales = type == .ternary ? (options.ternaryScale == .row ? shape[0] : 1) : 0
            plan.append((TensorInfo(name: name, type: type, shape: shape, scaleCount: scales), sourceName))
        }

        guard names.contains(TensorName.tokenEmbedding) else {
            throw ImportError("the source model has no token embedding (\(TensorName.tokenEmbedding))")
        }
        try add(TensorName.tokenEmbedding, from: TensorName.tokenEmbedding, type: options.embedding)
        for l in 0..<config.layerCount {
            let block = [TensorName.attnNorm(l), TensorName.attnQ(l), TensorName.attnK(l), TensorName.attnV(l),
                         TensorName.attnQBias(l), TensorName.attnKBias(l), TensorName.attnVBias(l),
                         TensorName.attnSubNorm(l), TensorName.attnOutput(l), TensorName.ffnNorm(l),
                         TensorName.ffnGate(l), TensorName.ffnUp(l), TensorName.ffnSubNorm(l), TensorName.ffnDown(l)]
            for name in block where names.contains(name) {
                try add(name, from: name, type: TensorName.isBlockLinear(name) ? options.weights : .f32)
            }
        }
        try add(TensorName.outputNorm, from: TensorName.outputNorm, type: .f32)
        if names.contains(TensorName.output) {
            try add(TensorName.output, from: TensorName.output, type: options.head)
        } else if options.head != plan[0].info.type {
            // Tied weights, but the head is wanted at another precision: store it separately.
            try add(TensorName.output, from: TensorName.tokenEmbedding, type: options.head)
        }

        var metadata = Metadata()
        config.write(to: &metadata)
        source.tokenizer.write(to: &metadata)
        let fallbacks = plan.filter { $0.info.shape.count == 2 && $0.info.type == .f16
            && ![options.weights, options.embedding, options.head].contains(.f16) }.map(\.info.name)
        // A merged adapter changes the weights as much as the quantisation does, so the recipe
        // (what `edgellm info` shows) names it too, not only the source.
        let lora = (source as? LoRAMergedModel).map { " lora=\($0.adapter.name)" } ?? ""
        metadata[MetadataKey.recipe] = .string(options.recipe + lora
            + (fallbacks.isEmpty ? "" : " f16_fallback=\(fallbacks.joined(separator: ","))"))
        metadata[MetadataKey.source] = .string(source.sourceDescription)
        if let prompt = options.intentPrompt { metadata[MetadataKey.intentPrompt] = .string(prompt) }

        let writer = try TM2Writer(path: path, metadata: metadata, tensors: plan.map(\.info))
        for (i, entry) in writer.plannedTensors.enumerated() {
            progress(i, plan.count, entry.name)
            let values = try source.loadFloat32(plan[i].sourceName)
            guard values.count == entry.elementCount else {
                throw ImportError("tensor \(entry.name): \(values.count) values for shape \(entry.shape)")
            }
            try writer.writeTensor(encode(values, as: entry))
        }
        progress(plan.count, plan.count, "")
        try writer.finish()
    }

    /// The scale a ternary tensor (or row) is stored with. Weights that are already ternary — every
    /// value 0 or ±m, as quantization-aware training exports them — keep m, so the file computes
    /// exactly what training did; absmean would give m times the fraction of non-zeros instead.
    /// Anything else is ternarised BitNet b1.58's way, with its absmean.
    static func ternaryScale(_ w: UnsafeBufferPointer<Float>) -> Float {
        var m: Float = 0
        for v in w where v != 0 {
            if m == 0 { m = abs(v) } else if abs(v) != m { return el_absmean(w.baseAddress!, Int64(w.count)) }
        }
        return m > 0 ? m : el_absmean(w.baseAddress!, Int64(w.count))
    }

    /// Float values to the bytes of one TM2 tensor.
    public static func encode(_ values: [Float], as info: TensorInfo) -> [UInt8] {
        let rows = info.rows, cols = info.cols
        var out = [UInt8](repeating: 0, count: info.expectedSize)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBytes { dst in
                let base = dst.baseAddress!
                let rowBytes = info.type.rowSize(cols: cols)
                switch info.type {
                case .f32:
                    base.copyMemory(from: src.baseAddress!, byteCount: values.count * 4)
                case .f16:
                    let h = base.assumingMemoryBound(to: UInt16.self)
                    for i in 0..<values.count { h[i] = el_f32_to_f16(src[i]) }
                case .q8_0:
                    for r in 0..<rows {
                        el_quantize_row_q8_0(src.baseAddress! + r * cols,
                                             (base + r * rowBytes).assumingMemoryBound(to: el_block_q8_0.self), Int64(cols))
                    }
                case .q4_0:
                    for r in 0..<rows {
                        el_quantize_row_q4_0(src.baseAddress! + r * cols,
                                             (base + r * rowBytes).assumingMemoryBound(to: el_block_q4_0.self), Int64(cols))
                    }
                case .ternary:
                    let scales = (base + rows * rowBytes).assumingMemoryBound(to: Float.self)
                    if info.scaleCount == 1 {
                        scales[0] = ternaryScale(src)
                    } else {
                        for r in 0..<rows {
                            scales[r] = ternaryScale(UnsafeBufferPointer(rebasing: src[(r * cols)..<((r + 1) * cols)]))
                        }
                    }
                    for r in 0..<rows {
                        let s = info.scaleCount == 1 ? scales[0] : scales[r]
                        el_quantize_row_tq2(src.baseAddress! + r * cols,
                                            (base + r * rowBytes).assumingMemoryBound(to: UInt8.self), Int64(cols), s)
                    }
                }
            }
        }
        return out
    }
}
