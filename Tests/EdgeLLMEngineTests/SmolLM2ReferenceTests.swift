import EdgeLLMEngine
import EdgeLLMImport
import EdgeLLMModelFile
import Foundation
import Testing

/// The real SmolLM2-135M-Instruct, converted to f32, against Hugging Face transformers' greedy
/// decoding of the same GGUF (Tests/Fixtures/smollm2, scripts/fixtures/make_smollm2_reference.py).
/// Needs the model that `make model` (run by `make test`) fetches.
@Suite(.serialized) struct SmolLM2ReferenceTests {
    struct Greedy: Decodable {
        struct Prompt: Decodable {
            struct Step: Decodable { var token: Int32; var margin: Float }
            struct Logits: Decodable { var file: String }
            var name: String
            var prompt_ids: [Int32]
            var generated_ids: [Int32]
            var step0_logits: Logits
            var steps: [Step]
        }
        var prompts: [Prompt]
    }

    static let f32Model: Result<String, any Error> = Result {
        guard FileManager.default.fileExists(atPath: Fixtures.smolLM2GGUF) else {
            throw EngineError("\(Fixtures.smolLM2GGUF) is missing: run `make model` (make test does)")
        }
        return try Fixtures.convert(Fixtures.smolLM2GGUF, ConversionOptions(weights: .f32))
    }

    /// transformers' logits after the prompt.
    static func referenceLogits(_ prompt: Greedy.Prompt) throws -> [Float] {
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("smollm2/\(prompt.step0_logits.file)"))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// 32 greedy tokens with EOS suppressed, as the reference ran them, from a rewound session.
    static func greedyTokens(_ session: Session, _ prompt: Greedy.Prompt) throws -> [Int32] {
        session.rewind(to: 0)
        let parameters = GenerationParameters(maxTokens: 32, temperature: 0, stopAtEndOfGeneration: false)
        var iterator = try TokenIterator(session: session, prompt: prompt.prompt_ids, parameters: parameters,
                                         extraProcessors: [SuppressTokensProcessor([2])])
        var tokens: [Int32] = []
        while let t = iterator.next() { tokens.append(t) }
        return tokens
    }

    @Test func greedyContinuationsMatchTransformers() throws {
        let path = try Self.f32Model.get()
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("smollm2/greedy.json"))
        let greedy = try JSONDecoder().decode(Greedy.self, from: data)
        #expect(greedy.prompts.count >= 5)
        let lm = try LanguageModel(path: path)
        #expect(lm.config.dim == 576 && lm.config.layerCount == 30 && lm.config.vocabSize == 49152)
        let session = try Session(model: lm, contextLength: 256, kvPrecision: .f32)
        var exact = 0
        for prompt in greedy.prompts {
            session.rewind(to: 0)
            // The first step's full logits, against transformers'.
            let logits = Array(try session.feed(prompt.prompt_ids))
            #expect(Fixtures.relativeError([logits], [try Self.referenceLogits(prompt)]) < 1e-4, "\(prompt.name) step 0 logits")

            let tokens = try Self.greedyTokens(session, prompt)
            #expect(tokens.count == 32)
            if tokens == prompt.generated_ids {
                exact += 1
            } else {
                // A different token is acceptable only where the reference itself had a near-tie.
                let i = zip(tokens, prompt.generated_ids).prefix { $0 == $1 }.count
                #expect(prompt.steps[i].margin < 1e-3, "\(prompt.name) diverges at step \(i) with margin \(prompt.steps[i].margin)")
            }
        }
        #expect(exact >= 5, "\(exact) of \(greedy.prompts.count) prompts match for all 32 tokens")
    }

    /// The smaller caches against the same reference: f16 and q8_0 keys and values move the
    /// logits a little, and greedy decoding follows transformers' for 32 tokens on most prompts.
    @Test(arguments: [KVCache.Precision.f16, .q8_0])
    func smallerKVCachesStayCloseToTransformers(precision: KVCache.Precision) throws {
        let path = try Self.f32Model.get()
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("smollm2/greedy.json"))
        let greedy = try JSONDecoder().decode(Greedy.self, from: data)
        let session = try Session(model: try LanguageModel(path: path), contextLength: 256, kvPrecision: precision)
        var worst: Float = 0, agreeing = 0
        for prompt in greedy.prompts {
            session.rewind(to: 0)
            let logits = Array(try session.feed(prompt.prompt_ids))
            worst = max(worst, Fixtures.relativeError([logits], [try Self.referenceLogits(prompt)]))
            if try Self.greedyTokens(session, prompt) == prompt.generated_ids { agreeing += 1 }
        }
        print("kv \(precision): worst step-0 relative error \(worst), \(agreeing) of \(greedy.prompts.count) continuations equal")
        #expect(worst < (precision == .q8_0 ? 2e-2 : 5e-3))
        #expect(agreeing >= greedy.prompts.count - 2)
    }
}
