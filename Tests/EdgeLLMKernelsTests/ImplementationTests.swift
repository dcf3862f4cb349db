import CEdgeLLMKernels
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The SIMD implementations this machine runs, each compared with the scalar reference below
/// (AVX2 on x86-64; NEON is checked under qemu by scripts/kernels/test_neon.sh).
let simdImplementations: [el_impl] = [EL_IMPL_AVX2, EL_IMPL_NEON].filter { el_impl_available($0) != 0 }

/// Float kernels agree with scalar within this, relative to the size of the terms involved.
let floatTolerance = 1e-5

@Suite struct DispatchTests {
    @Test func scalarIsAlwaysThere() {
        #expect(el_impl_available(EL_IMPL_SCALAR) == 1)
        #expect(String(cString: el_impl_name(EL_IMPL_SCALAR)) == "scalar")
    }

    @Test func activeIsTheBestAvailableUnlessOverridden() {
        let env = getenv("EDGELLM_KERNELS").map { String(cString: $0) }
        let active = el_impl_active()
        #expect(el_impl_available(active) == 1)
        if env == nil || env == "auto" {
            #expect(active == (simdImplementations.first ?? EL_IMPL_SCALAR))
        } else if env == "scalar" {
            #expect(active == EL_IMPL_SCALAR)
        }
    }

    @Test func unavailableImplementationsRefuse() {
        var y: Float = 42
        let x = [Float](repeating: 1, count: 4)
        let missing = el_impl(rawValue: 7)
        #expect(el_softmax_impl(missing, &y, 1) == -1)
        #expect(y == 42)
        #expect(el_matmul_impl(missing, EL_TYPE_F32, &y, 1, x, x, 1, 4, 1, nil, 0, 0) == -1)
        #expect(el_impl_use(missing) == -1)
        #if arch(x86_64)
        #expect(el_impl_available(EL_IMPL_NEON) == 0)
        #endif
    }
}

/// A weight matrix in a tensor type, with TQ2 scales per row or per tensor, and activations
/// quantised by the scalar code.
struct MatmulCase {
    let type: el_type
    let rows: Int, cols: Int, tokens: Int
    var weights: [UInt8]
    var scaleCount: Int
    var x: [Float]
    var xq: [UInt8]
    var magnitude: [Double] // sum |w x| per output, for the float tolerance

    init(type: el_type, rows: Int, cols: Int, tokens: Int, perRowScales: Bool, seed: UInt64) {
        self.type = type
        self.rows = rows
        self.cols = cols
        self.tokens = tokens
        var rng = TestRandom(seed: seed)
        let rowBytes = el_row_size(type, Int64(cols))
        scaleCount = type == EL_TYPE_TQ2 ? (perRowScales ? rows : 1) : 0
        weights = [UInt8](repeating: 0, count: el_tensor_size(type, Int64(rows), Int64(cols), Int64(scaleCount)))
        var scales = [Float](repeating: 0.03, count: max(scaleCount, 1))
        var wf = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            let src = (0..<cols).map { _ in (rng.uniform() - 0.5) * 0.2 }
            if scaleCount > 1 { scales[r] = el_absmean(src, Int64(cols)) }
            let bytes = MatmulTests.encodeRow(type, src, scale: scaleCount > 1 ? scales[r] : scales[0])
            weights.replaceSubrange(r * rowBytes..<(r + 1) * rowBytes, with: bytes)
            let back = MatmulTests.decodeRow(type, bytes, cols: cols, scale: scaleCount > 1 ? scales[r] : scales[0])
            wf.replaceSubrange(r * cols..<(r + 1) * cols, with: back)
        }
        if scaleCount > 0 {
            let scaleBytes = scales.prefix(scaleCount).withUnsafeBytes { Array($0) }
            weights.replaceSubrange(rows * rowBytes..<rows * rowBytes + scaleCount * 4, with: scaleBytes)
        }
        x = (0..<tokens * cols).map { _ in rng.uniform() * 2 - 1 }
        let act = el_act_type_for(type)
        xq = [UInt8](repeating: 0, count: el_act_row_size(act, Int64(cols)) * tokens)
        el_quantize_act_impl(EL_IMPL_SCALAR, act, x, &xq, Int64(cols), Int64(tokens))
        magnitude = [Double](repeating: 0, count: rows * tokens)
        guard type == EL_TYPE_F32 || type == EL_TYPE_F16 else { return } // exact types need none
        for t in 0..<tokens {
            for r in 0..<rows {
                var m = 0.0
                for c in 0..<cols { m += abs(Double(wf[r * cols + c]) * Double(x[t * cols + c])) }
                magnitude[t * rows + r] = m
            }
        }
    }

    /// Rows [first, first + count) with `impl`, as a thread would compute them: the weight
    /// pointer moved to the first row and row0 telling where per-row scales start.
    func run(_ impl: el_impl, first: Int = 0, count: Int? = nil) -> [Float] {
        let n = count ?? rows
        let rowBytes = el_row_size(type, Int64(cols))
        var y = [Float](repeating: .nan, count: n * tokens)
        weights.withUnsafeBytes { w in
            let base = w.baseAddress!
            let scales = (base + rows * rowBytes).assumingMemoryBound(to: Float.self)
            xq.withUnsafeBytes { a in
                let rc = el_matmul_impl(impl, type, &y, Int64(n), base + first * rowBytes, a.baseAddress!,
                                        Int64(n), Int64(cols), Int64(tokens), scaleCount > 0 ? scales : nil,
                                        Int64(scaleCount), Int64(first))
                precondition(rc == 0)
            }
        }
        return y
    }
}

func sameBits(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}

@Suite struct SIMDMatmulTests {
    // The model shapes (SmolLM2-135M, BitNet-2B with fewer rows to keep the suite quick), then
    // widths of 1 to 9 blocks: every mix of the 4-, 2- and 1-block chunks of the TQ2 kernels.
    static let shapes: [(rows: Int, cols: Int)] = [
        (576, 576), (192, 576), (1536, 576), (576, 1536), (64, 2560), (2560, 64), (40, 6912),
        (7, 32), (5, 64), (9, 96), (4, 128), (3, 160), (6, 192), (1, 224), (11, 256), (13, 288),
    ]

    @Test(arguments: [EL_TYPE_TQ2, EL_TYPE_Q8_0, EL_TYPE_Q4_0])
    func integerPathsMatchScalarBitForBit(type: el_type) {
        var seed: UInt64 = 100
        for (rows, cols) in Self.shapes {
            for tokens in 1...5 where rows * cols * tokens <= 4_000_000 {
                for perRow in type == EL_TYPE_TQ2 ? [true, false] : [false] {
                    seed += 1
                    let c = MatmulCase(type: type, rows: rows, cols: cols, tokens: tokens, perRowScales: perRow, seed: seed)
                    let ref = c.run(EL_IMPL_SCALAR)
                    for impl in simdImplementations {
                        #expect(sameBits(c.run(impl), ref), "\(el_impl_name(impl)) \(rows)x\(cols) ntok \(tokens) perRow \(perRow)")
                    }
                }
            }
        }
    }

    /// Q8_0/Q4_0 prefill goes through the weights with tokens in groups of 4 (and, past one group,
    /// in row blocks of ~128 KiB): every count of whole and partial groups, odd row counts, several
    /// row blocks (437 rows x 576), and rows wide enough for the heap path (8224 = 257 blocks).
    @Test(arguments: [EL_TYPE_Q8_0, EL_TYPE_Q4_0])
    func tokenGroupsMatchScalarBitForBit(type: el_type) {
        var seed: UInt64 = 400
        for (rows, cols) in [(7, 32), (5, 64), (9, 96), (13, 288), (3, 608), (437, 576), (11, 1536), (3, 8224)] {
            for tokens in [1, 2, 3, 4, 5, 7, 8, 9] {
                seed += 1
                let c = MatmulCase(type: type, rows: rows, cols: cols, tokens: tokens, perRowScales: false, seed: seed)
                let ref = c.run(EL_IMPL_SCALAR)
                for impl in simdImplementations {
                    #expect(sameBits(c.run(impl), ref), "\(el_impl_name(impl)) \(rows)x\(cols) ntok \(tokens)")
                }
            }
        }
    }

    @Test(arguments: [EL_TYPE_F32, EL_TYPE_F16])
    func floatPathsMatchScalarWithinTolerance(type: el_type) {
        var seed: UInt64 = 200
        let shapes = Self.shapes.filter { $0.rows * $0.cols <= 400_000 } + [(5, 1), (3, 7), (4, 33), (2, 77)]
        for (rows, cols) in shapes {
            for tokens in [1, 2, 5] {
                seed += 1
                let c = MatmulCase(type: type, rows: rows, cols: cols, tokens: tokens, perRowScales: false, seed: seed)
                let ref = c.run(EL_IMPL_SCALAR)
                for impl in simdImplementations {
                    let got = c.run(impl)
                    for i in 0..<ref.count {
                        #expect(abs(Double(got[i]) - Double(ref[i])) <= floatTolerance * c.magnitude[i] + 1e-30,
                                "\(el_impl_name(impl)) \(rows)x\(cols) ntok \(tokens) output \(i)")
                    }
                }
            }
        }
    }

    @Test(arguments: [EL_TYPE_TQ2, EL_TYPE_Q8_0, EL_TYPE_Q4_0, EL_TYPE_F32])
    func rowSubRangesMatchTheWholeProduct(type: el_type) {
        var seed: UInt64 = 300
        for (rows, cols, tokens) in [(576, 576, 1), (192, 576, 3), (1536, 576, 2), (576, 1536, 5), (37, 96, 4)] {
            seed += 1
            let c = MatmulCase(type: type, rows: rows, cols: cols, tokens: tokens, perRowScales: true, seed: seed)
            for impl in [EL_IMPL_SCALAR] + simdImplementations {
                let whole = c.run(impl)
                // Splits as threads would make them, including ones that cut groups of four.
                for (first, count) in [(1, rows - 1), (rows / 3, rows / 2), (rows - 3, 3), (5, 1), (2, 7)] {
                    let part = c.run(impl, first: first, count: count)
                    var expected = [Float]()
                    for t in 0..<tokens { expected += whole[t * rows + first..<t * rows + first + count] }
                    #expect(sameBits(part, expected), "\(el_impl_name(impl)) \(el_type_name(type)) rows \(first)+\(count) of \(rows)x\(cols)")
                }
            }
        }
    }
}

@Suite struct SIMDActivationTests {
    static let widths = [32, 64, 96, 128, 160, 224, 576, 1536, 2560, 6912]

    @Test(arguments: [EL_ACT_Q8_0, EL_ACT_I8])
    func quantisedActivationsAreIdentical(act: el_act_type) {
        var rng = TestRandom(seed: 400 + UInt64(act.rawValue))
        for cols in Self.widths {
            let tokens = 3
            var x = (0..<cols * tokens).map { _ in rng.normal() }
            // max|x| = 127 makes the quantisation scale exactly 1, so k + 0.5 is an exact rounding
            // half: roundf (Q8_0) and rintf (i8) must round it the same way in every implementation.
            for i in 0..<cols where i % 3 != 0 { x[i] = Float(Int(rng.next() % 253) - 126) + 0.5 }
            for b in 0..<cols / 32 { x[b * 32] = 127 }
            let bytes = el_act_row_size(act, Int64(cols)) * tokens
            var ref = [UInt8](repeating: 0xAA, count: bytes)
            el_quantize_act_impl(EL_IMPL_SCALAR, act, x, &ref, Int64(cols), Int64(tokens))
            for impl in simdImplementations {
                var got = [UInt8](repeating: 0x55, count: bytes)
                el_quantize_act_impl(impl, act, x, &got, Int64(cols), Int64(tokens))
                #expect(got == ref, "\(el_impl_name(impl)) act \(act.rawValue) cols \(cols)")
            }
        }
    }

    @Test func int8RowsHoldTheAbsmaxValuesInColumnOrderAfterDequantisation() {
        var rng = TestRandom(seed: 410)
        for cols in Self.widths + [45] {
            let x = (0..<cols).map { _ in rng.normal() }
            var q = [Int8](repeating: 0, count: cols)
            let scale = el_quantize_row_i8(x, &q, Int64(cols))
            var row = [UInt8](repeating: 0, count: el_act_row_size(EL_ACT_I8, Int64(cols)))
            el_quantize_act(EL_ACT_I8, x, &row, Int64(cols), 1)
            var back = [Float](repeating: 0, count: cols)
            el_dequantize_act(EL_ACT_I8, row, &back, Int64(cols))
            #expect(back == q.map { Float($0) * scale }, "cols \(cols)")
        }
    }
}

@Suite struct SIMDOpsTests {
    static let lengths = [1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 576, 1536, 2560, 6913]

    func closeElementwise(_ a: [Float], _ b: [Float], floor: Double = 1e-30) -> Bool {
        zip(a, b).allSatisfy { abs(Double($0) - Double($1)) <= floatTolerance * abs(Double($1)) + floor }
    }

    func inputs(_ n: Int, seed: UInt64) -> (x: [Float], y: [Float], w: [Float]) {
        var rng = TestRandom(seed: seed)
        var x = (0..<n).map { _ in rng.normal() * 3 }
        if n > 4 { x[0] = 0; x[1] = -0.0; x[2] = 95; x[3] = -95 } // exp overflow/underflow in SiLU
        return (x, (0..<n).map { _ in rng.normal() }, (0..<n).map { _ in rng.normal() })
    }

    @Test func floatKernelsMatchScalarWithinTolerance() {
        for n in Self.lengths {
            let (x, y, w) = inputs(n, seed: 500 + UInt64(n))
            for impl in simdImplementations {
                var a = [Float](repeating: 0, count: n), b = a
                el_rmsnorm_impl(EL_IMPL_SCALAR, &a, x, w, Int64(n), 1e-5)
                el_rmsnorm_impl(impl, &b, x, w, Int64(n), 1e-5)
                #expect(closeElementwise(b, a), "\(el_impl_name(impl)) rmsnorm \(n)")

                a = x; b = x
                el_swiglu_impl(EL_IMPL_SCALAR, &a, y, Int64(n))
                el_swiglu_impl(impl, &b, y, Int64(n))
                #expect(closeElementwise(b, a), "\(el_impl_name(impl)) swiglu \(n)")

                a = x.map { $0 * 10 }; b = a
                el_softmax_impl(EL_IMPL_SCALAR, &a, Int64(n))
                el_softmax_impl(impl, &b, Int64(n))
                #expect(closeElementwise(b, a, floor: 1e-35), "\(el_impl_name(impl)) softmax \(n)")
            }
        }
    }

    @Test func exactKernelsMatchScalarBitForBit() {
        for n in Self.lengths {
            let (x, y, _) = inputs(n, seed: 600 + UInt64(n))
            for impl in simdImplementations {
                var a = x, b = x
                el_relu2_glu_impl(EL_IMPL_SCALAR, &a, y, Int64(n))
                el_relu2_glu_impl(impl, &b, y, Int64(n))
                #expect(sameBits(a, b), "\(el_impl_name(impl)) relu2 \(n)")

                a = x; b = x
                el_add_impl(EL_IMPL_SCALAR, &a, y, Int64(n))
                el_add_impl(impl, &b, y, Int64(n))
                #expect(sameBits(a, b), "\(el_impl_name(impl)) add \(n)")

                // f16 stores: tiny (subnormal), ordinary and large (overflowing) values.
                let v = x.enumerated().map { i, e in e * [Float(1e-6), 1, 3e4][i % 3] }
                var ha = [UInt16](repeating: 0, count: n), hb = ha
                el_store_kv_impl(EL_IMPL_SCALAR, &ha, v, Int64(n), 1)
                el_store_kv_impl(impl, &hb, v, Int64(n), 1)
                #expect(ha == hb, "\(el_impl_name(impl)) store_kv f16 \(n)")
                var fa = [Float](repeating: 0, count: n)
                el_store_kv_impl(impl, &fa, v, Int64(n), 0)
                #expect(sameBits(fa, v), "\(el_impl_name(impl)) store_kv f32 \(n)")
            }
        }
    }

    @Test(arguments: [(9, 64, 0), (9, 64, 17), (3, 64, 4095), (20, 128, 300), (2, 6, 5), (1, 400, 77)])
    func ropeMatchesScalarBitForBit(heads: Int, headDim: Int, pos: Int) {
        var rng = TestRandom(seed: 700 + UInt64(pos))
        let x = (0..<heads * headDim).map { _ in rng.normal() }
        let freq = (0..<headDim / 2).map { powf(10000, -2 * Float($0) / Float(headDim)) }
        for impl in simdImplementations {
            var a = x, b = x
            el_rope_impl(EL_IMPL_SCALAR, &a, Int64(heads), Int64(headDim), Int64(pos), freq)
            el_rope_impl(impl, &b, Int64(heads), Int64(headDim), Int64(pos), freq)
            #expect(sameBits(a, b), "\(el_impl_name(impl))")
        }
    }

    @Test(arguments: [0, 1, 2]) func attentionMatchesScalarWithinTolerance(kvType: Int32) {
        var rng = TestRandom(seed: 800 + UInt64(kvType))
        var shapes = [(1, 64, 192), (7, 64, 192), (33, 64, 64), (200, 128, 128)]
        if kvType != 2 { shapes += [(9, 20, 40), (8, 8, 16)] }  // q8_0 needs multiples of 32
        for (positions, headDim, stride) in shapes {
            let row = el_kv_bytes(kvType, Int64(stride))
            let q = (0..<headDim).map { _ in rng.normal() }
            var k = [UInt8](repeating: 0, count: positions * row), v = k
            var vmax: Float = 0
            for p in 0..<positions {
                let kr = (0..<stride).map { _ in rng.normal() }, vr = (0..<stride).map { _ in rng.normal() }
                vmax = max(vmax, vr.map(abs).max()!)
                k.withUnsafeMutableBytes { el_store_kv($0.baseAddress! + p * row, kr, Int64(stride), kvType) }
                v.withUnsafeMutableBytes { el_store_kv($0.baseAddress! + p * row, vr, Int64(stride), kvType) }
                // Every implementation stores the same bytes.
                for impl in simdImplementations {
                    var mine = [UInt8](repeating: 0, count: row), scalar = mine
                    el_store_kv_impl(EL_IMPL_SCALAR, &scalar, kr, Int64(stride), kvType)
                    el_store_kv_impl(impl, &mine, kr, Int64(stride), kvType)
                    #expect(mine == scalar, "\(el_impl_name(impl)) store, kv type \(kvType)")
                }
            }
            let scale = 1 / Float(headDim).squareRoot()
            var a = [Float](repeating: 0, count: headDim), sa = [Float](repeating: 0, count: positions)
            el_attention_head_impl(EL_IMPL_SCALAR, &a, q, k, v, kvType, Int64(positions), Int64(headDim), Int64(stride), scale, &sa)
            for impl in simdImplementations {
                var b = [Float](repeating: 0, count: headDim), sb = [Float](repeating: 0, count: positions)
                el_attention_head_impl(impl, &b, q, k, v, kvType, Int64(positions), Int64(headDim), Int64(stride), scale, &sb)
                // The output is a convex combination of values bounded by vmax.
                for i in 0..<headDim {
                    #expect(abs(Double(a[i]) - Double(b[i])) <= floatTolerance * 4 * Double(vmax),
                            "\(el_impl_name(impl)) \(positions) positions, dim \(i)")
                }
            }
        }
    }
}
