import Testing
@testable import EdgeLLMImport
import EdgeLLMModelFile

/// The scale a ternary tensor is stored with: already-ternary weights (exported by
/// quantization-aware training) keep their own magnitude; anything else gets BitNet's absmean.
@Suite struct TernaryScaleTests {
    func scale(_ w: [Float]) -> Float { w.withUnsafeBufferPointer { Converter.ternaryScale($0) } }

    @Test func alreadyTernaryWeightsKeepTheirMagnitude() {
        // absmean would be 0.3 * 4/6 = 0.2 and store every weight as ±0.2.
        #expect(scale([0.3, 0, -0.3, 0.3, 0, -0.3]) == 0.3)
        #expect(scale([0, 0, 0.125, 0]) == 0.125)
    }

    @Test func otherWeightsGetAbsmean() {
        #expect(abs(scale([0.3, 0, -0.3, 0.6]) - 0.3) < 1e-7)
        #expect(abs(scale([1, -2, 3, -4]) - 2.5) < 1e-7)
        #expect(scale([0, 0, 0, 0]) == 1e-5) // floored, as the kernels' quantizer is
    }

    @Test func ternaryRowsRoundTripExactly() {
        var w = [Float](repeating: 0, count: 64)
        for i in 0..<64 { w[i] = [0.25, 0, -0.25][i % 3] }
        let info = TensorInfo(name: "blk.0.attn_q.weight", type: .ternary, shape: [2, 32], scaleCount: 1)
        let bytes = Converter.encode(w, as: info)
        let rowBytes = TensorType.ternary.rowSize(cols: 32)
        let stored = bytes.withUnsafeBytes { $0.load(fromByteOffset: 2 * rowBytes, as: Float.self) }
        #expect(stored == 0.25)
    }
}
