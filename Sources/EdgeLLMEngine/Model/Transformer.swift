import CEdgeLLMKernels
import EdgeLLMModelFile

/// The forward pass of the Llama family (llama, qwen2, bitnet): token ids in, next-token logits out.
///
/// Read it top to bottom: embed → for each block: norm, QKV, RoPE, cache, attention, (sub-norm),
/// output projection, residual; norm, gate/up, activation, (sub-norm), down projection, residual →
/// final norm → output head. A batch of tokens (a prompt) goes through each matmul at once.
/// Every buffer is allocated in `init`; `forward` allocates nothing.
///
/// The matmuls (Q, K and V in one dispatch, gate and up in one) and the attention heads run on
/// the session's `ThreadPool`, split statically with no cross-thread sums, so the logits are
/// bit-identical for any thread count. Norms, RoPE and the cache writes are small and stay on
/// the calling thread.
public final class Transformer: @unchecked Sendable {
    public let config: ModelConfig
    public let traits: ArchitectureTraits
    /// Most tokens one `forward` call takes; longer prompts are fed in chunks.
    public let maxBatch: Int
    /// The threads that run the matmuls and attention (one, the caller's, unless given).
    public let pool: ThreadPool
    let weights: ModelWeights
    private let invFreq: [Float]
    private let s: Scratch

    public init(file: TM2File, config: ModelConfig, maxBatch: Int = 32, maxContext: Int,
                pool: ThreadPool? = nil) throws(ModelFileError) {
        self.config = config
        traits = ArchitectureTraits.of(config.architecture)
        self.maxBatch = max(1, maxBatch)
        self.pool = pool ?? ThreadPool()
        weights = try ModelWeights(file: file, config: config, traits: traits)
        invFreq = RotaryEmbedding.inverseFrequencies(config)
        s = Scratch(config: config, batch: self.maxBatch, context: maxContext, threads: self.pool.threads)
    }

    /// Bytes of activation buffers this model allocates (for the memory estimate).
    public static func scratchBytes(config: ModelConfig, batch: Int, context: Int, threads: Int = 1) -> Int {
        Scratch.byteCount(config: config, batch: batch, context: context, threads: threads)
    }

    /// Runs `tokens` at positions cache.count ..< cache.count + tokens.count and returns the logits
    /// of the last one (valid until the next call). The caller keeps within the cache's capacity
    /// and `maxBatch`.
    ///
    /// With `headRows`, only those rows of the output head are computed (a grammar that allows a
    /// few tokens needs only their logits); every other logit is -infinity.
    @discardableResult
    public func forward(_ tokens: UnsafeBufferPointer<Int32>, cache: KVCache,
                        headRows: UnsafeBufferPointer<Int32>? = nil) -> UnsafeMutablePointer<Float> {
        let c = config
        let n = tokens.count
        precondition(n > 0 && n <= maxBatch && cache.count + n <= cache.capacity)
        let start = cache.count
        let dim = c.dim, qDim = c.qDim, kvDim = c.kvDim, ffn = c.ffnDim, hd = c.headDim
        // Every thread of the pass flushes denormals (workers do for good; the caller for the
        // length of the pass), so a row costs the same and rounds the same wherever it runs.
        let fpMode = el_fp_enter()
        defer { el_fp_leave(fpMode) }

        for (t, token) in tokens.enumerated() {
            weights.tokenEmbedding.row(Int(token), into: s.x + t * dim)
        }

        for (l, b) in weights.blocks.enumerated() {
            // Attention.
            for t in 0..<n { el_rmsnorm(s.xb + t * dim, s.x + t * dim, b.attnNorm, Int64(dim), c.rmsNormEps) }
            s.activations.reset()
            s.tasks[0] = b.wq.task(s.activations.quantized(s.xb, cols: dim, tokens: n, for: b.wq), tokens: n, into: s.q, ldy: qDim)
            s.tasks[1] = b.wk.task(s.activations.quantized(s.xb, cols: dim, tokens: n, for: b.wk), tokens: n, into: s.k, ldy: kvDim)
            s.tasks[2] = b.wv.task(s.activations.quantized(s.xb, cols: dim, tokens: n, for: b.wv), tokens: n, into: s.v, ldy: kvDim)
            pool.matmul(s.tasks, count: 3)
            for t in 0..<n {
                let q = s.q + t * qDim, k = s.k + t * kvDim, v = s.v + t * kvDim
                if let bq = b.bq, let bk = b.bk, let bv = b.bv {
                    el_add(q, bq, Int64(qDim))
                    el_add(k, bk, Int64(kvDim))
                    el_add(v, bv, Int64(kvDim))
                }
                let pos = Int64(start + t)
                invFreq.withUnsafeBufferPointer { f in
                    el_rope(q, Int64(c.headCount), Int64(hd), pos, f.baseAddress)
                    el_rope(k, Int64(c.kvHeadCount), Int64(hd), pos, f.baseAddress)
                }
                cache.store(layer: l, position: start + t, key: k, value: v)
            }
            // Causal: token t sees positions 0 ... start + t, all in the cache now.
            s.attention.pointee = el_attention_task(
                out: s.att, q: s.q, k_cache: cache.keys(layer: l), v_cache: cache.values(layer: l),
                kv_type: cache.kernelType, ntok: Int64(n), start: Int64(start), n_heads: Int64(c.headCount),
                group_size: Int64(c.headCount / c.kvHeadCount), head_dim: Int64(hd), q_stride: Int64(qDim),
                kv_stride: Int64(kvDim), scale: 1 / Float(hd).squareRoot(), scores: s.scores,
                scores_stride: Int64(s.context))
            pool.attention(s.attention)
            if let norm = b.attnSubNorm {
                for t in 0..<n { el_rmsnorm(s.att + t * qDim, s.att + t * qDim, norm, Int64(qDim), c.rmsNormEps) }
            }
            s.activations.reset()
            s.tasks[0] = b.wo.task(s.activations.quantized(s.att, cols: qDim, tokens: n, for: b.wo), tokens: n, into: s.xb, ldy: dim)
            pool.matmul(s.tasks, count: 1)
            el_add(s.x, s.xb, Int64(n * dim))

            // Feed-forward.
            for t in 0..<n { el_rmsnorm(s.xb + t * dim, s.x + t * dim, b.ffnNorm, Int64(dim), c.rmsNormEps) }
            s.activations.reset()
            s.tasks[0] = b.wGate.task(s.activations.quantized(s.xb, cols: dim, tokens: n, for: b.wGate), tokens: n, into: s.hb, ldy: ffn)
            s.tasks[1] = b.wUp.task(s.activations.quantized(s.xb, cols: dim, tokens: n, for: b.wUp), tokens: n, into: s.hb2, ldy: ffn)
            pool.matmul(s.tasks, count: 2)
            switch traits.activation {
            case .swiglu: el_swiglu(s.hb, s.hb2, Int64(n * ffn))
            case .relu2: el_relu2_glu(s.hb, s.hb2, Int64(n * ffn))
            }
            if let norm = b.ffnSubNorm {
                for t in 0..<n { el_rmsnorm(s.hb + t * ffn, s.hb + t * ffn, norm, Int64(ffn), c.rmsNormEps) }
            }
            s.activations.reset()
            s.tasks[0] = b.wDown.task(s.activations.quantized(s.hb, cols: ffn, tokens: n, for: b.wDown), tokens: n, into: s.xb, ldy: dim)
            pool.matmul(s.tasks, count: 1)
            el_add(s.x, s.xb, Int64(n * dim))
        }
        cache.count = start + n

        // Only the last position's logits are needed to pick the next token.
        let last = s.x + (n - 1) * dim
        el_rmsnorm(s.xb, last, weights.outputNorm, Int64(dim), c.rmsNormEps)
        s.activations.reset()
        let xq = s.activations.quantized(s.xb, cols: dim, tokens: 1, for: weights.output)
        if let headRows {
            // A grammar's few rows: not worth a dispatch each.
            for i in 0..<c.vocabSize { s.logits[i] = -.infinity }
            for r in headRows where r >= 0 && Int(r) < c.vocabSize {
                weights.output.apply(rows: Int(r)..<Int(r) + 1, to: xq, tokens: 1, into: s.logits + Int(r), ldy: c.vocabSize)
            }
        } else {
            s.tasks[0] = weights.output.task(xq, tokens: 1, into: s.logits, ldy: c.vocabSize)
            pool.matmul(s.tasks, count: 1)
        }
        return s.logits
    }
}

/// Activation buffers of one forward pass.
private final class Scratch {
    let x, xb, q, k, v, att, hb, hb2, scores, logits: UnsafeMutablePointer<Float>
    let activations: ActivationQuantizer
    /// Scores of one attention head per worker: worker i uses scores + i * context.
    let context: Int
    /// The matmuls of one dispatch, here so that building them allocates nothing per token.
    let tasks: UnsafeMutablePointer<el_matmul_task>
    let attention: UnsafeMutablePointer<el_attention_task>

    init(config c: ModelConfig, batch: Int, context: Int, threads: Int) {
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        x = buffer(batch * c.dim)
        xb = buffer(batch * c.dim)
        q = buffer(batch * c.qDim)
        k = buffer(batch * c.kvDim)
        v = buffer(batch * c.kvDim)
        att = buffer(batch * c.qDim)
        hb = buffer(batch * c.ffnDim)
        hb2 = buffer(batch * c.ffnDim)
        self.context = max(context, 1)
        scores = buffer(self.context * threads)
        logits = buffer(c.vocabSize)
        activations = ActivationQuantizer(maxCols: max(c.dim, c.qDim, c.ffnDim), batch: batch)
        tasks = .allocate(capacity: 3)
        tasks.initialize(repeating: el_matmul_task(), count: 3)
        attention = .allocate(capacity: 1)
        attention.initialize(to: el_attention_task())
    }

    static func byteCount(config c: ModelConfig, batch: Int, context: Int, threads: Int) -> Int {
        let floats = batch * (2 * c.dim + 2 * c.qDim + 2 * c.kvDim + 2 * c.ffnDim) + context * threads + c.vocabSize
        return floats * 4 + ActivationQuantizer.byteCount(maxCols: max(c.dim, c.qDim, c.ffnDim), batch: batch)
    }

    deinit {
        for p in [x, xb, q, k, v, att, hb, hb2, scores, logits] { p.deallocate() }
        tasks.deallocate()
        attention.deallocate()
    }
}

/// Quantises an activation matrix once per activation format and hands the same buffer to every
/// projection that reads it (Q, K and V share their input; so do gate and up).
final class ActivationQuantizer {
    private var buffers: [UnsafeMutableRawPointer]
    private var valid = [false, false, false]

    init(maxCols: Int, batch: Int) {
        buffers = (0..<3).map { act in
            let bytes = max(Int(el_act_row_size(el_act_type(UInt32(act)), Int64(maxCols))) * batch, 1)
            let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            // Touched now, so that the first long prompt does not take page faults mid-request.
            p.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            return p
        }
    }

    static func byteCount(maxCols: Int, batch: Int) -> Int {
        (0..<3).reduce(0) { $0 + Int(el_act_row_size(el_act_type(UInt32($1)), Int64(maxCols))) * batch }
    }

    deinit { buffers.forEach { $0.deallocate() } }

    /// Call when the source activations change.
    func reset() {
        for i in valid.indices { valid[i] = false }
    }

    func quantized(_ x: UnsafeMutablePointer<Float>, cols: Int, tokens: Int, for w: LinearWeight) -> UnsafeRawPointer {
        let act = w.activationType
        let i = Int(act.rawValue)
        if act == EL_ACT_F32 { return UnsafeRawPointer(x) }
        if !valid[i] {
            el_quantize_act(act, x, buffers[i], Int64(cols), Int64(tokens))
            valid[i] = true
        }
        return UnsafeRawPointer(buffers[i])
    }
}
