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

    @Test(arguments: [0, 1]) func attentionMatchesNaive(f16: Int32) {
        var rng = TestRandom(seed: 7)
        let hd = 8, n = 5, stride = 16
        let q = (0..<hd).map { _ in rng.normal() }
        let k = (0..<n * stride).map { _ in rng.normal() }
        let v = (0..<n * stride).map { _ in rng.normal() }
        var kc = [UInt8](repeating: 0, count: n * stride * 4), vc = kc
        for p in 0..<n {
            kc.withUnsafeMutableBytes { el_store_kv($0.baseAddress! + p * stride * (f16 == 1 ? 2 : 4), Array(k[p * stride..<(p + 1) * stride]), Int64(stride), f16) }
            vc.withUnsafeMutableBytes { el_store_kv($0.baseAddress! + p * stride * (f16 == 1 ? 2 : 4), Array(v[p * stride..<(p + 1) * stride]), Int64(stride), f16) }
        }
        var out = [Float](repeating: 0, count: hd), scores = [Float](repeating: 0, count: n)
        el_attention_head(&out, q, kc, vc, f16, Int64(n), Int64(hd), Int64(stride), 0.5, &scores)
        var s = (0..<n).map { p in (0..<hd).reduce(Float(0)) { $0 + q[$1] * k[p * stride + $1] } * 0.5 }
        let m = s.max()!
        s = s.map { expf($0 - m) }
        let total = s.reduce(0, +)
        for i in 0..<hd {
            let ref = (0..<n).reduce(Float(0)) { $0 + s[$1] / total * v[$1 * stride + i] }
            #expect(abs(out[i] - ref) < (f16 == 1 ? 5e-3 : 1e-5))
        }
    }
}
