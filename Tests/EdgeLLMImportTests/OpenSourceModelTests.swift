import Foundation
import Testing
import EdgeLLMImport

@Suite struct OpenSourceModelTests {
    @Test func picksTheReaderByContent() throws {
        let gguf = try openSourceModel(path: Fixtures.ggufPath("tiny_llama.gguf"))
        #expect(gguf is GGUFModel)
        let hf = try openSourceModel(path: Fixtures.hfPath("tiny-qwen2-bf16"))
        #expect(hf is HuggingFaceModel)

        // The magic decides, not the file name.
        let dir = try TemporaryDirectory()
        let renamed = try dir.write(try readBytes(Fixtures.ggufPath("tiny_llama.gguf")), to: "model.bin")
        #expect(try openSourceModel(path: renamed) is GGUFModel)
    }

    @Test func refusesAnythingElse() throws {
        let dir = try TemporaryDirectory()
        let text = try dir.write(Array("hello".utf8), to: "notes.txt")
        #expect(throws: ImportError("cannot read model '\(text)': expected a GGUF file or a Hugging Face folder with config.json")) {
            try openSourceModel(path: text)
        }
        #expect(throws: ImportError("cannot read model '\(dir.url.path)': expected a GGUF file or a Hugging Face folder with config.json")) {
            try openSourceModel(path: dir.url.path)
        }
        #expect(throws: ImportError("cannot read model '/no/such/model.gguf': no such file or directory")) {
            try openSourceModel(path: "/no/such/model.gguf")
        }
    }
}
