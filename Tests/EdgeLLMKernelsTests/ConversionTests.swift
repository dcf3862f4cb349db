import CEdgeLLMKernels
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct HalfPrecisionTests {
    @Test func knownValues() {
        #expect(el_f32_to_f16(1.0) == 0x3C00)
        #expect(el_f32_to_f16(-2.0) == 0xC000)
        #expect(el_f32_to_f16(65504) == 0x7BFF)
        #expect(el_f32_to_f16(65536) == 0x7C00) // overflow to infinity
        #expect(el_f32_to_f16(5.9604645e-8) == 0x0001) // smallest subnormal
        #expect(el_f32_to_f16(1e-9) == 0x0000)
        #expect(el_f16_to_f32(0x3555) == 0.333251953125)
        #expect(el_bf16_to_f32(0x3F80) == 1.0)
    }

    @Test func everyHalfRoundTrips() {
        for h in 0...0xFFFF {
            let bits = UInt16(h)
            let f = el_f16_to_f32(bits)
            if f.isNaN { continue }
            #expect(el_f32_to_f16(f) == bits, "f16 \(h)")
        }
    }

    @Test func roundsToNearestEven() {
        // 1 + 2^-11 is halfway between 1 and the next f16 (1 + 2^-10): ties go to even (1).
        #expect(el_f32_to_f16(1 + 0x1p-11) == 0x3C00)
        #expect(el_f32_to_f16(1 + 3 * 0x1p-11) == 0x3C02)
        #expect(el_f32_to_f16(1 + 0x1p-11 + 0x1p-20) == 0x3C01)
    }
}

@Suite struct QuantizationTests {
    @Test func q8RoundTripIsWithinHalfAStep() {
        var rng = TestRandom(seed: 1)
        let x = (0..<256).map { _ in rng.normal() }
        var blocks = [el_block_q8_0](repeating: el_block_q8_0(), count: 8)
        el_quantize_row_q8_0(x, &blocks, 256)
        var y = [Float](repeating: 0, count: 256)
        el_dequantize_row_q8_0(blocks, &y, 256)
        for b in 0..<8 {
            let amax = x[b * 32..<(b + 1) * 32].map(abs).max()!
            let step = amax / 127
            for j in 0..<32 { #expect(abs(x[b * 32 + j] - y[b * 32 + j]) <= step * 0.5 + amax * 1e-3) }
        }
    }

    @Test func q4RoundTripIsWithinHalfAStep() {
        var rng = TestRandom(seed: 2)
        let x = (0..<128).map { _ in rng.normal() }
        var blocks = [el_block_q4_0](repeating: el_block_q4_0(), count: 4)
        el_quantize_row_q4_0(x, &blocks, 128)
        var y = [Float](repeating: 0, count: 128)
        el_dequantize_row_q4_0(blocks, &y, 128)
        for b in 0..<4 {
            let amax = x[b * 32..<(b + 1) * 32].map(abs).max()!
            // GGML Q4_0 clips the side opposite the extreme by up to one step.
            for j in 0..<32 { #expect(abs(x[b * 32 + j] - y[b * 32 + j]) <= amax / 8 + amax * 2e-3) }
        }
    }

    @Test func ternaryIsAbsmeanRoundClamp() {
        var rng = TestRandom(seed: 3)
        let w = (0..<96).map { _ in rng.normal() }
        let s = el_absmean(w, 96)
        let expectedScale = w.map { abs(Double($0)) }.reduce(0, +) / 96
        #expect(abs(Double(s) - expectedScale) < 1e-6)
        var codes = [UInt8](repeating: 0, count: 24)
        el_quantize_row_tq2(w, &codes, 96, s)
        var y = [Float](repeating: 0, count: 96)
        el_dequantize_row_tq2(codes, &y, 96, s)
        for i in 0..<96 {
            let q = max(-1, min(1, (w[i] / s).rounded(.toNearestOrEven)))
            #expect(y[i] == q * s)
        }
        // The documented layout: byte j of a block holds weights j, j+8, j+16, j+24.
        let q0 = Int(max(-1, min(1, (w[0] / s).rounded(.toNearestOrEven)))) + 1
        let q8 = Int(max(-1, min(1, (w[8] / s).rounded(.toNearestOrEven)))) + 1
        #expect(Int(codes[0] & 3) == q0)
        #expect(Int((codes[0] >> 2) & 3) == q8)
    }

    @Test func int8ActivationsAreAbsmax() {
        let x: [Float] = [0.5, -1.0, 0.25, 0.0, 1.0 / 254]
        var q = [Int8](repeating: 0, count: 5)
        let scale = el_quantize_row_i8(x, &q, 5)
        #expect(scale == 1.0 / 127)
        #expect(q == [64, -127, 32, 0, 0]) // 63.5 rounds to even 64; 0.5 rounds to even 0
    }
}

/// A deterministic generator for test data (independent of the engine's own).
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x2545F4914F6CDD1D | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
    mutating func normal() -> Float {
        let u1 = max(uniform(), 1e-7), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
