import EdgeLLMModelFile

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recovers Llama 3 RoPE scaling parameters from a GGUF `rope_freqs.weight` tensor.
///
/// llama.cpp's converter does not store Llama 3's scaling parameters as metadata; it stores the
/// per-frequency divisors they produce. Those divisors are 1 for short wavelengths, `factor` for
/// long ones, and in between `1 / ((1 - s) / factor + s)` with `s` linear in 1 / wavelength. The
/// line gives `lowFreqFactor` and `highFreqFactor` relative to the original context length;
/// scaling all three together leaves every divisor unchanged, so the original context length is
/// taken from metadata (or Llama 3's 8192) without loss. The fit is accepted only if it
/// reproduces every divisor.
enum Llama3RopeFit {
    static func fit(divisors: [Float], theta: Float, headDim: Int,
                    originalContext: Int?) throws(ImportError) -> ModelConfig.Llama3RopeScaling? {
        guard divisors.count * 2 == headDim else {
            throw ImportError("rope_freqs.weight has \(divisors.count) values, expected \(headDim / 2)")
        }
        let f = divisors.map(Double.init)
        guard f.allSatisfy({ $0.isFinite && $0 >= 1 - 1e-6 }) else {
            throw ImportError("rope_freqs.weight holds values below 1; only Llama 3 RoPE scaling is supported")
        }
        let factor = f.max() ?? 1
        if factor <= 1 + 1e-6 { return nil }

        let old = Double(originalContext ?? 8192)
        let inverseWavelengths = (0..<divisors.count).map { i in
            1 / (2 * Double.pi * pow(Double(theta), Double(2 * i) / Double(headDim)))
        }

        var xs: [Double] = [], ys: [Double] = []
        for (i, v) in f.enumerated() where v > 1 + 1e-4 && v < factor * (1 - 1e-4) {
            xs.append(inverseWavelengths[i])
            ys.append((1 / v - 1 / factor) / (1 - 1 / factor))
        }
        var low = 1.0, high = 4.0 // Llama 3's published values, used when too few points are blended
        if xs.count >= 2 {
            let n = Double(xs.count)
            let mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
            var sxy = 0.0, sxx = 0.0
            for k in xs.indices {
                sxy += (xs[k] - mx) * (ys[k] - my)
                sxx += (xs[k] - mx) * (xs[k] - mx)
            }
            let a = sxx > 0 ? sxy / sxx : 0, b = my - a * mx
            guard a > 0 else {
                throw ImportError("rope_freqs.weight does not follow Llama 3 RoPE scaling")
            }
            low = tidy(-b * old / a)
            high = tidy(low + old / a)
        }
        let scaling = ModelConfig.Llama3RopeScaling(factor: Float(factor), lowFreqFactor: Float(low),
                                                    highFreqFactor: Float(high), originalMaxPositions: Int(old))
        let predicted = divisorsFor(scaling, inverseWavelengths: inverseWavelengths)
        for (p, v) in zip(predicted, f) where abs(p - v) > 1e-3 * v {
            throw ImportError("rope_freqs.weight does not follow Llama 3 RoPE scaling")
        }
        return scaling
    }

    /// The divisors llama.cpp's converter writes for given parameters.
    static func divisorsFor(_ s: ModelConfig.Llama3RopeScaling, inverseWavelengths: [Double]) -> [Double] {
        let old = Double(s.originalMaxPositions), factor = Double(s.factor)
        let low = Double(s.lowFreqFactor), high = Double(s.highFreqFactor)
        let lowWavelength = old / low, highWavelength = old / high
        return inverseWavelengths.map { x in
            let wavelength = 1 / x
            if wavelength < highWavelength { return 1 }
            if wavelength > lowWavelength { return factor }
            let smooth = (old / wavelength - low) / (high - low)
            return 1 / ((1 - smooth) / factor + smooth)
        }
    }

    /// Snaps a fitted value to three decimals when it is that close, so that published round
    /// numbers (1.0, 4.0) come back exactly.
    private static func tidy(_ v: Double) -> Double {
        let r = (v * 1000).rounded() / 1000
        return abs(r - v) <= 1e-4 * max(1, abs(v)) ? r : v
    }
}
