import CEdgeLLMKernels
import Testing
import EdgeLLMImport

/// Dequantisation of every supported GGUF type against gguf-py's `gguf.quants.dequantize`
/// (numpy's Q8_K formula for Q8_K, which gguf-py lacks).
@Suite struct GGUFDequantTests {
    static let types = ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "TQ1_0", "TQ2_0",
                        "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS", "Q8_K"]

    @Test(arguments: types)
    func matchesGGUFPy(type: String) throws {
        let file = try GGUFFile(path: Fixtures.ggufPath("quant_types.gguf"))
        let reference = try Reference(stem: Fixtures.ggufPath("quant_types"))
        let name = "t.\(type)"
        let info = try #require(file.tensor(named: name))
        #expect(info.type.name == type)
        #expect(info.shape == [8, 256])
        #expect(info.type.canDequantize)

        let expected = try #require(reference[name]).values
        let actual = try file.dequantize(info)
        expectClose(actual, expected, tolerance: 1e-6, name)
        // The kernels mirror gguf-py's float operations, so the match is exact, not approximate.
        #expect(bitDifferences(actual, expected) == 0, "\(name) differs from gguf-py in some bits")
    }

    @Test func everyFixtureTypeIsCovered() throws {
        let file = try GGUFFile(path: Fixtures.ggufPath("quant_types.gguf"))
        #expect(Set(file.tensors.map { $0.type.name }) == Set(Self.types))
    }

    @Test func typeTraitsMatchGGML() {
        let expected: [(UInt32, String, Int, Int)] = [
            (0, "F32", 1, 4), (1, "F16", 1, 2), (2, "Q4_0", 32, 18), (3, "Q4_1", 32, 20), (6, "Q5_0", 32, 22),
            (7, "Q5_1", 32, 24), (8, "Q8_0", 32, 34), (10, "Q2_K", 256, 84), (11, "Q3_K", 256, 110),
            (12, "Q4_K", 256, 144), (13, "Q5_K", 256, 176), (14, "Q6_K", 256, 210), (15, "Q8_K", 256, 292),
            (16, "IQ2_XXS", 256, 66), (20, "IQ4_NL", 32, 18), (23, "IQ4_XS", 256, 136), (30, "BF16", 1, 2),
            (34, "TQ1_0", 256, 54), (35, "TQ2_0", 256, 66), (39, "MXFP4", 32, 17),
        ]
        for (raw, name, block, size) in expected {
            let t = GGUFTensorType(rawValue: raw)
            #expect(t?.name == name)
            #expect(t?.blockSize == block)
            #expect(t?.typeSize == size)
        }
        #expect(GGUFTensorType(rawValue: 4) == nil) // Q4_2, removed from ggml
        #expect(GGUFTensorType(rawValue: 36) == nil)
        #expect(GGUFTensorType(rawValue: 1000) == nil)
        #expect(GGUFTensorType(rawValue: 16)?.canDequantize == false)
    }

    @Test func rejectsPartialBlocksAndUnsupportedTypes() {
        var out = [Float](repeating: 0, count: 64)
        let src = [UInt8](repeating: 0, count: 256)
        out.withUnsafeMutableBufferPointer { o in
            src.withUnsafeBytes { s in
                #expect(el_gguf_dequantize(8, s.baseAddress, o.baseAddress, 31) == -1)
                #expect(el_gguf_dequantize(16, s.baseAddress, o.baseAddress, 256) == -1)
                #expect(el_gguf_dequantize(4, s.baseAddress, o.baseAddress, 32) == -1)
                #expect(el_gguf_dequantize(8, s.baseAddress, o.baseAddress, 32) == 0)
            }
        }
    }

    @Test func halfConversionIsExactForEveryValue() {
        // Every finite half is exactly representable as a float: check all 63,488 of them by
        // arithmetic, independently of bit manipulation.
        for h in UInt16.min...UInt16.max {
            let exponent = Int((h >> 10) & 0x1f), mantissa = Int(h & 0x3ff)
            let sign: Float = h & 0x8000 != 0 ? -1 : 1
            let f = el_gguf_f16_to_f32(h)
            if exponent == 31 {
                #expect(mantissa == 0 ? f == sign * .infinity : f.isNaN)
                continue
            }
            let magnitude = exponent == 0
                ? Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
                : Float(1024 + mantissa) * Float(sign: .plus, exponent: exponent - 25, significand: 1)
            if f != sign * magnitude || f.sign != (sign < 0 ? .minus : .plus) {
                Issue.record("f16 0x\(String(h, radix: 16)) -> \(f), expected \(sign * magnitude)")
                return
            }
        }
    }
}
