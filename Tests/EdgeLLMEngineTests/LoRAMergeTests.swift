import EdgeLLMEngine
import EdgeLLMImport
import EdgeLLMModelFile
import Foundation
import Testing

/// `edgellm convert tiny-llama-tied --lora adapter` runs the model peft's merge_and_unload makes
/// (scripts/fixtures/make_lora_fixture.py).
@Suite struct LoRAMergeTests {
    @Test func mergedF32LogitsMatchPeft() throws {
        let reference = try Fixtures.reference("tiny-llama-lora", "reference_lora.json")
        let source = try LoRAMergedModel(base: try openSourceModel(path: Fixtures.model("tiny-llama-tied")),
                                         adapter: try LoRAAdapter(directory: Fixtures.model("tiny-llama-lora") + "/adapter"))
        let path = Fixtures.temporaryPath("lora.tm2.bin")
        try Converter.convert(source, to: path, options: ConversionOptions(weights: .f32))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let session = try Session(model: LanguageModel(path: path), contextLength: 64, kvPrecision: .f32)
        let logits = try Fixtures.logitsPerPosition(session, reference.tokens)
        #expect(reference.tokens.count >= 16)
        #expect(Fixtures.relativeError(logits, reference.logits) < 1e-4)
        // And the base model's logits are far away: the adapter really changed the model.
        let base = try Fixtures.reference("tiny-llama-tied")
        #expect(Fixtures.relativeError(logits, base.logits) > 1e-2)
    }
}
