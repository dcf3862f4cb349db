#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeLLMModelFile

/// A conversation with a model: its forward pass, KV cache and position. Everything is allocated
/// when the session is made; feeding tokens allocates nothing and, once the first tokens have run,
/// takes no page fault.
public final class Session: @unchecked Sendable {
    public let model: LanguageModel
    public let transformer: Transformer
    public let cache: KVCache
    /// The session's worker threads (the calling thread is worker 0).
    public var pool: ThreadPool { transformer.pool }
    /// Whether the weights were locked in memory (`lockWeights` asked for it and the system agreed).
    public let weightsLocked: Bool

    /// - Parameters:
    ///   - threads: workers for the matmuls and attention, the calling thread included. The
    ///     logits do not depend on it.
    ///   - pinThreads: pin worker i ≥ 1 to the i-th CPU (see `ThreadPool.init`).
    ///   - lockWeights: `mlock` the weights so that memory pressure cannot evict them. A refusal
    ///     (RLIMIT_MEMLOCK) is not an error: see `weightsLocked`.
    public init(model: LanguageModel, contextLength: Int = 2048, kvPrecision: KVCache.Precision = .f16,
                maxBatch: Int = 32, threads: Int = 1, pinThreads: Bool = false,
                lockWeights: Bool = false) throws(EngineError) {
        guard contextLength > 0 else { throw EngineError("context length must be positive, not \(contextLength)") }
        self.model = model
        let pool = try ThreadPool(threads: threads, pin: pinThreads)
        do {
            transformer = try Transformer(file: model.file, config: model.config, maxBatch: maxBatch,
                                          maxContext: contextLength, pool: pool)
        } catch {
            throw EngineError(error.description)
        }
        cache = try KVCache(config: model.config, capacity: contextLength, precision: kvPrecision)
        // Weights are read in place from the map: touch every page now rather than fault them in
        // during the first tokens (a fault per 4 KiB page, a read from the SD card when the page
        // cache has dropped it, at steps nobody can predict).
        // The header and metadata before the tensor data were parsed at load and are not touched.
        weightsLocked = model.file.mapping.prefault(lock: lockWeights, from: model.file.tensorDataOffset)
            && lockWeights
    }

    public var position: Int { cache.count }
    public var remainingContext: Int { cache.capacity - cache.count }

    /// Feeds tokens (a prompt, or forced tokens) in batches; returns the logits after the last one.
    @discardableResult
    public func feed(_ tokens: [Int32]) throws(EngineError) -> UnsafeMutableBufferPointer<Float> {
        guard !tokens.isEmpty else { throw EngineError("nothing to feed: the token list is empty") }
        guard tokens.count <= remainingContext else {
            throw EngineError("context full: \(tokens.count) tokens do not fit in the \(remainingContext) positions left of \(cache.capacity) (raise --ctx)")
        }
        let vocab = model.config.vocabSize
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw EngineError("token id \(bad) is outside the vocabulary (0..<\(vocab))")
        }
        var logits: UnsafeMutablePointer<Float>!
        tokens.withUnsafeBufferPointer { all in
            var i = 0
            while i < all.count {
                let n = min(transformer.maxBatch, all.count - i)
                logits = transformer.forward(UnsafeBufferPointer(rebasing: all[i..<i + n]), cache: cache)
                i += n
            }
        }
        return UnsafeMutableBufferPointer(start: logits, count: vocab)
    }

    /// Feeds one token (a decode step) without building an array for it.
    @discardableResult
    public func feed(token: Int32, headRows: UnsafeBufferPointer<Int32>? = nil) throws(EngineError) -> UnsafeMutableBufferPointer<Float> {
        guard remainingContext > 0 else {
            throw EngineError("context full: all \(cache.capacity) positions are used (raise --ctx)")
        }
        let vocab = model.config.vocabSize
        guard token >= 0, Int(token) < vocab else {
            throw EngineError("token id \(token) is outside the vocabulary (0..<\(vocab))")
        }
        var token = token
        let logits = withUnsafePointer(to: &token) { p in
            transformer.forward(UnsafeBufferPointer(start: p, count: 1), cache: cache, headRows: headRows)
        }
        return UnsafeMutableBufferPointer(start: logits, count: vocab)
    }

    /// Forget positions after `position`, keeping a shared prefix cached.
    public func rewind(to position: Int) { cache.truncate(to: position) }
}

/// A generation failure, in one line.
public struct EngineError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
