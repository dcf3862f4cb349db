import Foundation
import Testing
import EdgeLLMImport
import EdgeLLMModelFile

/// The real SmolLM2-135M-Instruct Q4_1 GGUF (llama.cpp's file), where the machine has it.
@Suite(.enabled(if: Fixtures.smolLM2 != nil, "SmolLM2 GGUF not present"))
struct SmolLM2GGUFTests {
    let path = Fixtures.smolLM2 ?? ""

    @Test func config() throws {
        let model = try GGUFModel(path: path)
        let c = model.config
        #expect(c.architecture == .llama)
        #expect(c.dim == 576)
        #expect(c.layerCount == 30)
        #expect(c.headCount == 9)
        #expect(c.kvHeadCount == 3)
        #expect(c.headDim == 64)
        #expect(c.ffnDim == 1536)
        #expect(c.vocabSize == 49152)
        #expect(c.maxSequenceLength == 8192)
        #expect(c.ropeTheta == 100_000)
        #expect(c.ropeScaling == nil)
        #expect(c.rmsNormEps == 1e-5)
        #expect(c.tiedEmbeddings)
        #expect(model.tensorNames.count == 272)

        let t = model.tokenizer
        #expect(t.tokens.count == 49152)
        #expect(t.merges.count == 48900)
        #expect(t.preTokenizer == .smollm)
        #expect(t.bosTokenID == 1)
        #expect(t.eosTokenID == 2)
        #expect(t.padTokenID == 2)
        #expect(t.addBOS == false)
        #expect(t.chatTemplate?.contains("<|im_start|>") == true)
    }

    /// Rows dequantised by gguf-py (and un-permuted with numpy for Q/K) at fixture time.
    @Test func rowsMatchGGUFPy() throws {
        let model = try GGUFModel(path: path)
        let reference = try Reference(stem: Fixtures.ggufPath("smollm2_rows"))
        for r in reference.tensors {
            let values = try model.loadFloat32(r.name)
            let shape = try model.shape(of: r.name)
            if let rows = r.info["rows"] as? [Int] {
                let cols = shape[1]
                let picked = rows.flatMap { values[($0 * cols)..<(($0 + 1) * cols)] }
                #expect(bitDifferences(picked, r.values) == 0, "\(r.name) rows \(rows)")
            } else {
                #expect(bitDifferences(values, r.values) == 0, "\(r.name)")
            }
        }
        let types = try #require(reference.extra["tensor_types"] as? [String: Int])
        var counts: [String: Int] = [:]
        for t in model.file.tensors { counts[t.type.name, default: 0] += 1 }
        #expect(counts == types)
    }

    @Test func dequantisesEverythingQuickly() throws {
        let clock = ContinuousClock()
        var total = 0
        let elapsed = try clock.measure {
            let model = try GGUFModel(path: path)
            for name in model.tensorNames { total += try model.loadFloat32(name).count }
        }
        #expect(total > 134_000_000)
        print("SmolLM2: opened and dequantised \(total) values in \(elapsed)")
        #expect(elapsed < .seconds(30))
    }
}
