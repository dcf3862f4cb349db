import EdgeLLMModelFile

/// Memory a session needs: weights (the mapped tensor data) + KV cache
/// (2 × n_layers × seq_len × kv_dim × bytes) + activation buffers.
public struct MemoryEstimate: Sendable, Equatable {
    public var weightBytes: Int
    public var kvCacheBytes: Int
    public var bufferBytes: Int
    public var totalBytes: Int { weightBytes + kvCacheBytes + bufferBytes }

    public init(file: TM2File, config: ModelConfig, contextLength: Int, kvPrecision: KVCache.Precision, maxBatch: Int = 32) {
        weightBytes = file.tensors.reduce(0) { $0 + $1.size }
        kvCacheBytes = KVCache.byteCount(config: config, capacity: contextLength, precision: kvPrecision)
        bufferBytes = Transformer.scratchBytes(config: config, batch: maxBatch, context: contextLength)
    }
}
