#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Drives generation: prefills the prompt, then yields one sampled token per `next()` until the
/// token budget, the context or an end-of-generation token stops it.
public struct TokenIterator: IteratorProtocol {
    public let session: Session
    public private(set) var pipeline: SamplingPipeline
    public let parameters: GenerationParameters
    public private(set) var stats = GenerationStats()
    private var logits: UnsafeMutableBufferPointer<Float>
    private var produced = 0
    private var finished = false

    /// `prompt` must not be empty (start from BOS for unconditional generation).
    public init(session: Session, prompt: [Int32], parameters: GenerationParameters,
                extraProcessors: [any LogitProcessor] = []) throws(EngineError) {
        self.session = session
        self.parameters = parameters
        pipeline = SamplingPipeline(temperature: parameters.temperature, topP: parameters.topP,
                                    topK: parameters.topK, seed: parameters.seed, extra: extraProcessors)
        let start = Clock.now()
        logits = try session.feed(prompt)
        stats.promptTokens = prompt.count
        stats.prefillSeconds = Clock.now() - start
    }

    public mutating func next() -> Int32? {
        guard !finished, produced < parameters.maxTokens else { return nil }
        let start = Clock.now()
        let token = pipeline.next(logits)
        produced += 1
        if parameters.stopAtEndOfGeneration && session.model.tokenizer.isEndOfGeneration(token) {
            finished = true
            stats.stoppedAtEndOfGeneration = true
            return nil
        }
        stats.generatedTokens += 1
        // The last token needs no forward pass: nothing will read its logits.
        if produced < parameters.maxTokens {
            if session.remainingContext == 0 {
                finished = true
            } else {
                logits = (try? session.feed(token: token)) ?? logits
            }
        }
        stats.decodeSeconds += Clock.now() - start
        return token
    }
}

/// What one generation cost.
public struct GenerationStats: Sendable, Equatable {
    public var promptTokens = 0
    public var generatedTokens = 0
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    public var stoppedAtEndOfGeneration = false

    public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptTokens) / prefillSeconds : 0 }
    public var decodeTokensPerSecond: Double { decodeSeconds > 0 ? Double(generatedTokens) / decodeSeconds : 0 }
}

/// A monotonic clock in seconds.
public enum Clock {
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
