#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Chooses the next token from (processed) logits.
public protocol Sampler {
    mutating func sample(_ logits: UnsafeMutableBufferPointer<Float>) -> Int32
}

/// The most likely token; ties go to the lowest id, as in argmax.
public struct GreedySampler: Sampler, Sendable {
    public init() {}

    public mutating func sample(_ logits: UnsafeMutableBufferPointer<Float>) -> Int32 {
        var best = 0
        var bestValue = -Float.infinity
        for i in logits.indices where logits[i] > bestValue {
            best = i
            bestValue = logits[i]
        }
        return Int32(best)
    }
}

/// Draws a token from softmax(logits) with a seeded generator.
public struct CategoricalSampler: Sampler, Sendable {
    public var random: SeededRandom

    public init(seed: UInt64) { random = SeededRandom(seed: seed) }

    public mutating func sample(_ logits: UnsafeMutableBufferPointer<Float>) -> Int32 {
        var maxLogit = -Float.infinity
        for v in logits where v > maxLogit { maxLogit = v }
        guard maxLogit.isFinite else { return 0 }
        var sum: Float = 0
        for v in logits { sum += expf(v - maxLogit) }
        let r = random.nextUnitFloat() * sum
        var cumulative: Float = 0
        var lastFinite = 0
        for i in logits.indices where logits[i] > -.infinity {
            cumulative += expf(logits[i] - maxLogit)
            lastFinite = i
            if r < cumulative { return Int32(i) }
        }
        return Int32(lastFinite) // rounding left r just above the total
    }
}

/// The usual pipeline: temperature, top-k, top-p, then a draw; greedy when temperature is 0.
/// Extra processors (a grammar's mask, say) run first.
public struct SamplingPipeline {
    public var processors: [any LogitProcessor]
    public var greedy: Bool
    private var greedySampler = GreedySampler()
    private var categorical: CategoricalSampler

    public init(temperature: Float, topP: Float, topK: Int, seed: UInt64, extra: [any LogitProcessor] = []) {
        greedy = temperature <= 0
        var processors = extra
        if !greedy {
            processors.append(TemperatureProcessor(temperature: temperature))
            if topK > 0 { processors.append(TopKProcessor(k: topK)) }
            if topP > 0 && topP < 1 { processors.append(TopPProcessor(p: topP)) }
        }
        self.processors = processors
        categorical = CategoricalSampler(seed: seed)
    }

    public mutating func next(_ logits: UnsafeMutableBufferPointer<Float>) -> Int32 {
        for i in processors.indices { processors[i].process(logits) }
        return greedy ? greedySampler.sample(logits) : categorical.sample(logits)
    }
}
