import EdgeLLMEngine
import EdgeLLMImport
import EdgeLLMModelFile
import Foundation
import Testing

/// Our forward pass against Hugging Face transformers on tiny random models of every architecture.
@Suite struct TinyModelReferenceTests {
    static let models = ["tiny-llama", "tiny-llama-tied", "tiny-llama3", "tiny-qwen2", "tiny-bitnet"]

    @Test(arguments: models)
    func f32LogitsMatchTransformers(model: String) throws {
        let reference = try Fixtures.reference(model)
        let path = try Fixtures.convert(Fixtures.model(model), ConversionOptions(weights: .f32))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lm = try LanguageModel(path: path)
        let session = try Session(model: lm, contextLength: 64, kvPrecision: .f32)
        let logits = try Fixtures.logitsPerPosition(session, reference.tokens)
        #expect(reference.tokens.count >= 16)
        #expect(Fixtures.relativeError(logits, reference.logits) < 1e-4)
    }

    @Test func ggufImportMatchesTransformers() throws {
        let reference = try Fixtures.reference("tiny-llama")
        let path = try Fixtures.convert(Fixtures.model("tiny-llama") + "/tiny-llama.f32.gguf", ConversionOptions(weights: .f32))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let session = try Session(model: LanguageModel(path: path), contextLength: 64, kvPrecision: .f32)
        let logits = try Fixtures.logitsPerPosition(session, reference.tokens)
        #expect(Fixtures.relativeError(logits, reference.logits) < 1e-4)
    }

    /// The prompt goes through each matmul as one batch; it must give what token-by-token gives.
    @Test(arguments: ["tiny-llama", "tiny-qwen2", "tiny-bitnet"])
    func batchedPrefillEqualsTokenByToken(model: String) throws {
        let reference = try Fixtures.reference(model)
        let path = try Fixtures.convert(Fixtures.model(model), ConversionOptions(weights: .f32))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lm = try LanguageModel(path: path)
        let session = try Session(model: lm, contextLength: 64, kvPrecision: .f32, maxBatch: 8)
        let batched = Array(try session.feed(reference.tokens)) // 21 tokens: chunks of 8, 8, 5
        #expect(session.position == reference.tokens.count)
        #expect(Fixtures.relativeError([batched], [reference.logits.last!]) < 1e-4)
    }

    @Test func q8CacheRefusesHeadsItCannotBlock() throws {
        let path = try Fixtures.convert(Fixtures.model("tiny-llama"), ConversionOptions(weights: .f32))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try LanguageModel(path: path)  // head size 8: not a whole Q8_0 block
        #expect(throws: EngineError("a q8_0 KV cache needs a head size that is a multiple of 32; this model's is 8 (use --kv f16)")) {
            try Session(model: model, contextLength: 64, kvPrecision: .q8_0)
        }
    }

    @Test func f16CacheStaysClose() throws {
        let reference = try Fixtures.reference("tiny-llama")
        let path = try Fixtures.convert(Fixtures.model("tiny-llama"), ConversionOptions(weights: .f32))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let session = try Session(model: LanguageModel(path: path), contextLength: 64, kvPrecision: .f16)
        let logits = try Fixtures.logitsPerPosition(session, reference.tokens)
        #expect(Fixtures.relativeError(logits, reference.logits) < 5e-3)
    }

    /// Ternary weights with int8 activations against transformers' BitNet online quantisation.
    /// One int8 rounding that falls the other way moves logits by a few hundredths (the fixture's
    /// sensitivity note), so the bound allows that and the argmax must agree almost everywhere.
    @Test(arguments: ["tiny-llama", "tiny-bitnet"])
    func ternaryMatchesBitNetQuantisation(model: String) throws {
        let reference = try Fixtures.reference(model, "reference_ternary.json")
        let path = try Fixtures.convert(Fixtures.model(model), ConversionOptions(weights: .ternary, embedding: .f32, head: .f32))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let session = try Session(model: LanguageModel(path: path), contextLength: 64, kvPrecision: .f32)
        let logits = try Fixtures.logitsPerPosition(session, reference.tokens)
        #expect(Fixtures.relativeError(logits, reference.logits) < 2e-2)
        let agree = zip(logits, reference.logits).filter { argmax($0) == argmax($1) }.count
        #expect(agree >= reference.tokens.count - 1)
        // And the float reference is far away: the quantisation really happened.
        let float = try Fixtures.reference(model)
        #expect(Fixtures.relativeError(logits, float.logits) > 1e-2)
    }

    func argmax(_ v: [Float]) -> Int { v.indices.max { v[$0] < v[$1] }! }
}

@Suite struct PartialHeadTests {
    /// Computing only some rows of the output head gives exactly those logits.
    @Test(arguments: [TensorType.f32, .q8_0, .ternary])
    func selectedRowsEqualTheFullHead(type: TensorType) throws {
        let path = try Fixtures.convert(Fixtures.model("tiny-llama"), ConversionOptions(weights: type))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lm = try LanguageModel(path: path)
        let full = try Session(model: lm, contextLength: 16)
        let partial = try Session(model: lm, contextLength: 16)
        let rows: [Int32] = [3, 17, 200, 319]
        for token: Int32 in [0, 297, 285] {
            let a = Array(try full.feed(token: token))
            let b = try rows.withUnsafeBufferPointer { Array(try partial.feed(token: token, headRows: $0)) }
            for r in 0..<a.count {
                if rows.contains(Int32(r)) { #expect(a[r] == b[r]) } else { #expect(b[r] == -.infinity) }
            }
        }
    }
}

/// A quantization-aware-training export (scripts/finetune/ternary.py) converted with
/// `--weights ternary --embed q4_0` computes what the PyTorch fake-quant forward of training did.
@Suite struct QATExportTests {
    @Test func engineMatchesTheTrainingForward() throws {
        let reference = try Fixtures.reference("tiny-llama-qat", "reference_qat.json")
        let path = try Fixtures.convert(Fixtures.model("tiny-llama-qat"),
                                        ConversionOptions(weights: .ternary, embedding: .q4_0, head: .q4_0))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let session = try Session(model: LanguageModel(path: path), contextLength: 64, kvPrecision: .f32)
        let logits = try Fixtures.logitsPerPosition(session, reference.tokens)
        // Same arithmetic in another order: only an int8 rounding tie falling the other way differs.
        #expect(Fixtures.relativeError(logits, reference.logits) < 1e-4)
        let agree = zip(logits, reference.logits).filter { argmax($0) == argmax($1) }.count
        #expect(agree == reference.tokens.count)
    }

    func argmax(_ v: [Float]) -> Int { v.indices.max { v[$0] < v[$1] }! }
}
