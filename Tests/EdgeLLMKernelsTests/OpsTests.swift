import CEdgeLLMKernels
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct OpsTests {
    @Test func rmsnormMatchesFormula() {
        let x: [Float] = [1, -2, 3, -4]
        let w: [Float] = [1, 0.5, 2, 1]
        var out = [Float](repeating: 0, count: 4)
        el_rmsnorm(&out, x, w, 4, 1e-5)
        let rms = (Float(1 + 4 + 9 + 16) / 4 + 1e-5).squareRoot()
        for i in 0..<4 { #expect(abs(out[i] - x[i] / rms * w[i]) < 1e-6) }
    }

    @Test func softmaxSumsToOneAndKeepsOrder() {
        var x: [Float] = [10, 9, -5, 0]
        el_softmax(&x, 4)
        #expect(abs(x.reduce(0, +) - 1) < 1e-6)
        #expect(x[0] > x[1] && x[1] > x[3] && x[3] > x[2])
        #expect(abs(x[0] / x[1] - expf(1)) < 1e-4)
    }

    @Test func activations() {
        var g: [Float] = [-1, 0, 2]
        el_swiglu(&g, [2, 3, 0.5], 3)
        #expect(abs(g[0] - (-1 / (1 + expf(1))) * 2) < 1e-6)
        #expect(g[1] == 0)
        #expect(abs(g[2] - 2 / (1 + expf(-2)) * 0.5) < 1e-6)
        var h: [Float] = [-1, 3]
        el_relu2_glu(&h, [5, 2], 2)
        #expect(h == [0, 18])
    }

    @Test func ropeRotatesHalfPairs() {
        // head_dim 4: dims (0, 2) and (1, 3) rotate together.
        var x: [Float] = [1, 2, 3, 4]
        let inv: [Float] = [1, 0.01]
        el_rope(&x, 1, 4, 3, inv)
        let a0 = Float(3) * 1, a1 = Float(3) * 0.01
        #expect(abs(x[0] - (1 * cosf(a0) - 3 * sinf(a0))) < 1e-6)
        #expect(abs(x[2] - (3 * cosf(a0) + 1 * sinf(a0))) < 1e-6)
        #expect(abs(x[1] - (2 * cosf(a1) - 4 * sinf(a1))) < 1e-6)
        #expect(abs(x[3] - (4 * cosf(a1) + 2 * sinf(a1))) < 1e-6)
    }

    /// Against attention written out in floats, over the values the cache gives back (for q8_0,
    /// its blocks dequantised): what the kernel computes, not how far q8_0 rounds.
    @Test(arguments: [0, 1, 2]) func attentionMatchesNaive(kvType: Int32) {
        var rng = TestRandom(seed: 7)
        let hd = kvType == 2 ? 32 : 8, n = 5, stride = kvType == 2 ? 64 : 16
        let row = el_kv_bytes(kvType, Int64(stride))
        let q = (0..<hd).map { _ in rng.normal() }
        var k = (0..<n * stride).map { _ in rng.normal() }
        var v = (0..<n * stride).map { _ in rng.normal() }
        var kc = [UInt8](repeating: 0, count: n * row), vc = kc
        for p in 0..<n {
            kc.withUnsafeMutableBytes { el_store_kv($0.baseAddress! + p * row, Array(k[p * stride..<(p + 1) * stride]), Int64(stride), kvType) }
            vc.withUnsafeMutableBytes { el_store_kv($0.baseAddress! + p * row, Array(v[p * stride..<(p + 1) * stride]), Int64(stride), kvType) }
        }
        if kvType == 2 {
            // What the blocks hold: each value within half a step (amax / 127 / 2) of the original, plus
            // the f16 rounding of the step (at most 2^-11 of it, times up to 127).
            for (cache, values) in [(kc, k), (vc, v)] {
                var back = [Float](repeating: 0, count: n * stride)
                cache.withUnsafeBytes { raw in
                    el_dequantize_row_q8_0(raw.baseAddress!.assumingMemoryBound(to: el_block_q8_0.self), &back, Int64(n * stride))
                }
                for b in 0..<(n * stride / 32) {
                    let amax = values[b * 32..<(b + 1) * 32].map(abs).max()!
                    for i in b * 32..<(b + 1) * 32 { #expect(abs(back[i] - values[i]) <= amax / 127 * (0.5 + 127.0 / 2048) + 1e-6) }
                }
                if cache == kc { k = back } else { v = back }
            }
        }
        var out = [Float](repeating: 0, count: hd), scores = [Float](repeating: 0, count: n)
        el_attention_head(&out, q, kc, vc, kvType, Int64(n), Int64(hd), Int64(stride), 0.5, &scores)
        var s = (0..<n).map { p in (0..<hd).reduce(Float(0)) { $0 + q[$1] * k[p * stride + $1] } * 0.5 }
        let m = s.max()!
        s = s.map { expf($0 - m) }
        let total = s.reduce(0, +)
        for i in 0..<hd {
            let ref = (0..<n).reduce(Float(0)) { $0 + s[$1] / total * v[$1 * stride + i] }
            #expect(abs(out[i] - ref) < (kvType == 1 ? 5e-3 : 1e-5))
        }
    }
}
