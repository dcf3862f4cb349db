#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeLLMModelFile

/// RoPE inverse frequencies, including Llama 3's frequency-dependent scaling, computed as
/// Hugging Face computes them (float32 exponent, then the scaling in float32).
enum RotaryEmbedding {
    static func inverseFrequencies(_ c: ModelConfig) -> [Float] {
        let half = c.headDim / 2
        var inv = (0..<half).map { i -> Float in
            1 / powf(c.ropeTheta, Float(2 * i) / Float(c.headDim))
        }
        guard let s = c.ropeScaling else { return inv }
        let oldContext = Float(s.originalMaxPositions)
        let lowWavelength = oldContext / s.lowFreqFactor
        let highWavelength = oldContext / s.highFreqFactor
        for i in 0..<half {
            let wavelength = 2 * Float.pi / inv[i]
            if wavelength > lowWavelength {
                inv[i] /= s.factor
            } else if wavelength >= highWavelength {
                let smooth = (oldContext / wavelength - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor)
                inv[i] = (1 - smooth) * inv[i] / s.factor + smooth * inv[i]
            }
        }
        return inv
    }
}
