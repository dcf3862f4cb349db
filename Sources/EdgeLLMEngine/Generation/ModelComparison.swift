#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How closely a quantised model follows a reference model: both read the same token sequences
/// (teacher forcing) and their next-token distributions are compared at every position.
public struct ModelComparison: Sendable, Equatable {
    public var positions = 0
    /// Fraction of positions where both models rank the same token first.
    public var top1Agreement = 0.0
    /// Mean KL(reference ‖ candidate) in nats.
    public var meanKLDivergence = 0.0

    public init() {}

    public static func compare(reference: Session, candidate: Session, sequences: [[Int32]]) throws(EngineError) -> ModelComparison {
        let vocab = reference.model.config.vocabSize
        guard candidate.model.config.vocabSize == vocab else {
            throw EngineError("the models have different vocabularies (\(vocab) and \(candidate.model.config.vocabSize))")
        }
        var agree = 0, positions = 0
        var klSum = 0.0
        var p = [Double](repeating: 0, count: vocab), q = p
        for sequence in sequences {
            reference.rewind(to: 0)
            candidate.rewind(to: 0)
            for token in sequence {
                let a = try reference.feed(token: token)
                let b = try candidate.feed(token: token)
                softmax(a, into: &p)
                softmax(b, into: &q)
                var kl = 0.0
                for i in 0..<vocab where p[i] > 0 {
                    kl += p[i] * (log(p[i]) - log(max(q[i], 1e-300)))
                }
                klSum += kl
                if argmax(a) == argmax(b) { agree += 1 }
                positions += 1
            }
        }
        var result = ModelComparison()
        result.positions = positions
        result.top1Agreement = positions > 0 ? Double(agree) / Double(positions) : 0
        result.meanKLDivergence = positions > 0 ? klSum / Double(positions) : 0
        return result
    }

    private static func softmax(_ logits: UnsafeMutableBufferPointer<Float>, into out: inout [Double]) {
        var m = -Double.infinity
        for v in logits { m = max(m, Double(v)) }
        var sum = 0.0
        for i in logits.indices {
            out[i] = exp(Double(logits[i]) - m)
            sum += out[i]
        }
        for i in out.indices { out[i] /= sum }
    }

    private static func argmax(_ logits: UnsafeMutableBufferPointer<Float>) -> Int {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best
    }
}
