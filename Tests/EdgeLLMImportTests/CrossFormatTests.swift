import Foundation
import Testing
import EdgeLLMImport

/// The same weights through both readers: the tiny Llama of Tests/Fixtures/models as safetensors
/// and as the GGUF llama.cpp's converter lays out (Q/K permuted). Both must give identical
/// canonical tensors.
private let sharedFolder = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/models/tiny-llama").path
private let sharedGGUF = sharedFolder + "/tiny-llama.f32.gguf"

@Suite(.enabled(if: FileManager.default.fileExists(atPath: sharedGGUF), "shared tiny-llama fixture not present"))
struct CrossFormatTests {
    @Test func ggufAndSafetensorsAgree() throws {
        let hf = try HuggingFaceModel(directory: sharedFolder)
        let gguf = try GGUFModel(path: sharedGGUF)
        #expect(Set(hf.tensorNames) == Set(gguf.tensorNames))
        #expect(hf.config.dim == gguf.config.dim)
        #expect(hf.config.layerCount == gguf.config.layerCount)
        #expect(hf.config.headCount == gguf.config.headCount)
        #expect(hf.config.kvHeadCount == gguf.config.kvHeadCount)
        #expect(hf.config.headDim == gguf.config.headDim)
        #expect(hf.config.ffnDim == gguf.config.ffnDim)
        #expect(hf.config.tiedEmbeddings == gguf.config.tiedEmbeddings)
        for name in hf.tensorNames {
            #expect(try hf.shape(of: name) == gguf.shape(of: name), "\(name)")
            #expect(try hf.loadFloat32(name) == gguf.loadFloat32(name), "\(name)")
        }
    }

    @Test(arguments: ["tiny-llama", "tiny-llama-tied", "tiny-llama3", "tiny-qwen2", "tiny-bitnet"])
    func sharedTinyModelsOpen(name: String) throws {
        let folder = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/models/\(name)").path
        let model = try openSourceModel(path: folder)
        #expect(model.tokenizer.tokens.count <= model.config.vocabSize)
        for tensor in model.tensorNames {
            let shape = try model.shape(of: tensor)
            #expect(try model.loadFloat32(tensor).count == shape.reduce(1, *), "\(name) \(tensor)")
        }
        switch name {
        case "tiny-llama3":
            #expect(model.config.ropeScaling?.factor == 8)
            #expect(model.config.ropeScaling?.originalMaxPositions == 64)
        case "tiny-qwen2":
            #expect(model.config.architecture == .qwen2)
            #expect(model.tensorNames.contains("blk.0.attn_q.bias"))
        case "tiny-bitnet":
            #expect(model.config.architecture == .bitnet)
            #expect(model.tensorNames.contains("blk.0.ffn_sub_norm.weight"))
        case "tiny-llama-tied":
            #expect(model.config.tiedEmbeddings)
        default:
            break
        }
    }
}
