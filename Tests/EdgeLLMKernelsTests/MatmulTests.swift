import CEdgeLLMKernels
import Testing

/// Each weight type's matmul against a double-precision product of the same dequantised numbers.
@Suite struct MatmulTests {
    static let shapes: [(rows: Int, cols: Int, tokens: Int)] = [(3, 32, 1), (7, 96, 2), (5, 576, 3), (2, 1536, 1)]

    @Test(arguments: [EL_TYPE_F32, EL_TYPE_F16, EL_TYPE_Q8_0, EL_TYPE_Q4_0, EL_TYPE_TQ2])
    func matchesDequantisedProduct(type: el_type) {
        var rng = TestRandom(seed: UInt64(type.rawValue) + 10)
        for (rows, cols, tokens) in Self.shapes {
            let w = (0..<rows * cols).map { _ in rng.normal() }
            let x = (0..<tokens * cols).map { _ in rng.normal() }
            // Weights in the tensor type, then back to floats for the reference.
            let rowBytes = el_row_size(type, Int64(cols))
            let nScales = type == EL_TYPE_TQ2 ? rows : 0 // per-row scales exercise row indexing
            var packed = [UInt8](repeating: 0, count: el_tensor_size(type, Int64(rows), Int64(cols), Int64(nScales)))
            var scales = [Float](repeating: 1, count: rows)
            var wq = [Float](repeating: 0, count: rows * cols)
            for r in 0..<rows {
                let src = Array(w[r * cols..<(r + 1) * cols])
                if type == EL_TYPE_TQ2 { scales[r] = el_absmean(src, Int64(cols)) }
                let bytes = Self.encodeRow(type, src, scale: scales[r])
                packed.replaceSubrange(r * rowBytes..<(r + 1) * rowBytes, with: bytes)
                let back = Self.decodeRow(type, bytes, cols: cols, scale: scales[r])
                wq.replaceSubrange(r * cols..<(r + 1) * cols, with: back)
            }
            if nScales > 0 {
                let scaleBytes = scales.withUnsafeBytes { Array($0) }
                packed.replaceSubrange(rows * rowBytes..<rows * rowBytes + nScales * 4, with: scaleBytes)
            }
            // Activations quantised the way the kernel expects, and dequantised for the reference.
            let act = el_act_type_for(type)
            var xq = [UInt8](repeating: 0, count: el_act_row_size(act, Int64(cols)) * tokens)
            el_quantize_act(act, x, &xq, Int64(cols), Int64(tokens))
            let xr = dequantizeActivations(act, xq, cols: cols, tokens: tokens, original: x)

            var y = [Float](repeating: 0, count: rows * tokens)
            let scalePointer: UnsafeRawPointer? = nil
            packed.withUnsafeBytes { (p: UnsafeRawBufferPointer) -> Void in
                let base: UnsafeRawPointer = p.baseAddress!
                let s = (base + rows * rowBytes).assumingMemoryBound(to: Float.self)
                y.withUnsafeMutableBufferPointer { out in
                    xq.withUnsafeBytes { a in
                        el_matmul(type, out.baseAddress!, Int64(rows), base, a.baseAddress!, Int64(rows), Int64(cols),
                                  Int64(tokens), s, Int64(nScales), 0)
                    }
                }
            }
            _ = scalePointer
            for t in 0..<tokens {
                for r in 0..<rows {
                    var ref = 0.0, mag = 0.0
                    for c in 0..<cols {
                        ref += Double(wq[r * cols + c]) * Double(xr[t * cols + c])
                        mag += abs(Double(wq[r * cols + c]) * Double(xr[t * cols + c]))
                    }
                    let err = abs(Double(y[t * rows + r]) - ref)
                    #expect(err <= 1e-5 * mag + 1e-6, "type \(type.rawValue) \(rows)x\(cols) t\(t) r\(r)")
                }
            }
        }
    }

    static func encodeRow(_ type: el_type, _ src: [Float], scale: Float) -> [UInt8] {
        let cols = src.count
        var out = [UInt8](repeating: 0, count: el_row_size(type, Int64(cols)))
        out.withUnsafeMutableBytes { p in
            let dst = p.baseAddress!
            switch type {
            case EL_TYPE_F32: dst.copyMemory(from: src, byteCount: cols * 4)
            case EL_TYPE_F16:
                for c in 0..<cols { dst.storeBytes(of: el_f32_to_f16(src[c]), toByteOffset: 2 * c, as: UInt16.self) }
            case EL_TYPE_Q8_0: el_quantize_row_q8_0(src, dst.assumingMemoryBound(to: el_block_q8_0.self), Int64(cols))
            case EL_TYPE_Q4_0: el_quantize_row_q4_0(src, dst.assumingMemoryBound(to: el_block_q4_0.self), Int64(cols))
            default: el_quantize_row_tq2(src, dst.assumingMemoryBound(to: UInt8.self), Int64(cols), scale)
            }
        }
        return out
    }

    static func decodeRow(_ type: el_type, _ bytes: [UInt8], cols: Int, scale: Float) -> [Float] {
        var out = [Float](repeating: 0, count: cols)
        el_dequantize_row(type, bytes, &out, Int64(cols), scale)
        return out
    }

    private func dequantizeActivations(_ act: el_act_type, _ xq: [UInt8], cols: Int, tokens: Int, original: [Float]) -> [Float] {
        if act == EL_ACT_F32 { return original }
        let rowBytes = el_act_row_size(act, Int64(cols))
        var out = [Float](repeating: 0, count: cols * tokens)
        xq.withUnsafeBytes { p in
            out.withUnsafeMutableBufferPointer { o in
                for t in 0..<tokens {
                    el_dequantize_act(act, p.baseAddress! + t * rowBytes, o.baseAddress! + t * cols, Int64(cols))
                }
            }
        }
        return out
    }
}
