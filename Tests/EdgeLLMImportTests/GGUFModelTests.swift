import Foundation
import Testing
import EdgeLLMImport
import EdgeLLMModelFile
import EdgeLLMTokenizer

/// GGUF files written by gguf-py, read back as `SourceModel`s.
@Suite struct GGUFModelTests {
    @Test func tinyLlamaConfig() throws {
        let model = try GGUFModel(path: Fixtures.ggufPath("tiny_llama.gguf"))
        let c = model.config
        #expect(c.architecture == .llama)
        #expect(c.name == "tiny-llama")
        #expect(c.dim == 32)
        #expect(c.layerCount == 2)
        #expect(c.headCount == 4)
        #expect(c.kvHeadCount == 2)
        #expect(c.headDim == 8)
        #expect(c.ffnDim == 64)
        #expect(c.maxSequenceLength == 256)
        #expect(c.rmsNormEps == 1e-5)
        #expect(c.ropeTheta == 10000) // absent from the file: the default
        #expect(c.ropeScaling == nil)
        #expect(c.tiedEmbeddings) // no output.weight
        #expect(c.vocabSize == 267)
        #expect(model.sourceDescription == "gguf:tiny_llama.gguf")
        #expect(model.file.version == 3)
        #expect(model.file.alignment == 32)
    }

    @Test func tinyLlamaTokenizer() throws {
        let t = try GGUFModel(path: Fixtures.ggufPath("tiny_llama.gguf")).tokenizer
        #expect(t.tokens.count == 267)
        #expect(t.tokens[0] == "<|endoftext|>")
        #expect(t.tokens[3 + 0x20] == "Ġ") // the byte token of a space, GPT-2 style
        #expect(t.tokens[3 + 256] == "Ġt")
        #expect(t.merges.count == 8)
        #expect(t.merges[0] == "Ġ t")
        #expect(t.tokenTypes[0] == .control)
        #expect(t.tokenTypes[100] == .normal)
        #expect(t.preTokenizer == .smollm)
        #expect(t.bosTokenID == 1)
        #expect(t.eosTokenID == 2)
        #expect(t.padTokenID == 0)
        #expect(t.addBOS == false)
        #expect(t.chatTemplate?.hasPrefix("{% for message in messages %}") == true)
    }

    /// Q/K were written permuted as llama.cpp's converter does; the reader must return the
    /// original Hugging Face rows (for F32 tensors exactly, and through Q8_0 / Q4_0 too).
    @Test func tinyLlamaTensorsMatchTheUnpermutedOriginals() throws {
        let model = try GGUFModel(path: Fixtures.ggufPath("tiny_llama.gguf"))
        let reference = try Reference(stem: Fixtures.ggufPath("tiny_llama"))
        #expect(Set(model.tensorNames) == Set(reference.tensors.map(\.name)))
        for r in reference.tensors {
            #expect(try model.shape(of: r.name) == r.shape, "\(r.name)")
            let values = try model.loadFloat32(r.name)
            #expect(bitDifferences(values, r.values) == 0, "\(r.name) differs from the original")
        }
        // The undo is not a no-op: the stored rows differ from the originals.
        let stored = try #require(model.file.tensor(named: "blk.0.attn_q.weight"))
        let raw = Array(model.file.data(of: stored).bindMemory(to: Float.self))
        #expect(raw != reference["blk.0.attn_q.weight"]!.values)
    }

    @Test func tinyQwen2IsNotPermutedAndKeepsBiasesAndHead() throws {
        let model = try GGUFModel(path: Fixtures.ggufPath("tiny_qwen2.gguf"))
        let c = model.config
        #expect(c.architecture == .qwen2)
        #expect(c.ropeTheta == 1_000_000)
        #expect(c.tiedEmbeddings == false)
        #expect(c.headDim == 8)
        #expect(c.ffnDim == 256)
        #expect(c.maxSequenceLength == 32768)
        #expect(model.tokenizer.preTokenizer == .qwen2)
        #expect(model.tokenizer.addBOS == false) // key absent, not llama3
        #expect(model.tensorNames.contains("output.weight"))
        #expect(model.tensorNames.contains("blk.0.attn_q.bias"))

        let reference = try Reference(stem: Fixtures.ggufPath("tiny_qwen2"))
        for r in reference.tensors {
            #expect(try model.shape(of: r.name) == r.shape)
            #expect(bitDifferences(try model.loadFloat32(r.name), r.values) == 0, "\(r.name)")
        }
        #expect(try model.shape(of: "token_embd.weight") == [267, 32])
        #expect(try model.loadFloat32("blk.0.ffn_up.weight").count == 256 * 32)
    }

    @Test func llama3RopeScalingFromRopeFreqsTensor() throws {
        let model = try GGUFModel(path: Fixtures.ggufPath("tiny_llama3_rope.gguf"))
        let s = try #require(model.config.ropeScaling)
        #expect(s.factor == 8)
        #expect(s.lowFreqFactor == 1)
        #expect(s.highFreqFactor == 4)
        #expect(s.originalMaxPositions == 8192)
        #expect(model.config.ropeTheta == 500_000)
        #expect(model.tokenizer.preTokenizer == .llama3)
        #expect(model.tokenizer.addBOS) // llama.cpp's default for llama-bpe
        // Folded into the config, so not presented as a tensor.
        #expect(!model.tensorNames.contains("rope_freqs.weight"))
        #expect(throws: ImportError.self) { try model.loadFloat32("rope_freqs.weight") }
    }

    /// Llama 3.1 (head 128, factor 8) and Llama 3.2 (factor 32) divisors, computed with
    /// convert_hf_to_gguf.py's formula, fit back to their parameters.
    @Test(arguments: [(128, Float(8)), (128, Float(32)), (64, Float(32))])
    func llama3RopeFitRecoversPublishedParameters(headDim: Int, factor: Float) throws {
        let theta = 500_000.0
        let divisors: [Float] = (0..<headDim / 2).map { i in
            let freq = Double(Float(1 / pow(theta, Double(2 * i) / Double(headDim))))
            let wavelength = 2 * Double.pi / freq
            if wavelength < 8192.0 / 4 { return 1 }
            if wavelength > 8192.0 / 1 { return factor }
            let smooth = (8192 / wavelength - 1) / (4 - 1)
            return Float(1 / ((1 - smooth) / Double(factor) + smooth))
        }
        var b = GGUFBuilder.minimalLlama()
        b.set("llama.embedding_length", .u32(UInt32(headDim)))
        b.set("llama.attention.head_count", .u32(1))
        b.set("llama.attention.head_count_kv", .u32(1))
        b.set("llama.rope.freq_base", .f32(Float(theta)))
        b.tensors[0] = .init(name: "token_embd.weight", dims: [UInt64(headDim), 3], type: 0,
                             data: GGUFBuilder.f32Bytes(Array(repeating: 0, count: 3 * headDim)))
        b.tensors.append(.init(name: "rope_freqs.weight", dims: [UInt64(headDim / 2)], type: 0,
                               data: GGUFBuilder.f32Bytes(divisors)))
        let dir = try TemporaryDirectory()
        let model = try GGUFModel(path: try dir.write(b.build(), to: "r.gguf"))
        #expect(model.config.ropeScaling == .init(factor: factor, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192))
    }

    @Test func llama3RopeScalingFromMetadata() throws {
        var b = GGUFBuilder.minimalLlama()
        b.set("llama.rope.scaling.type", .string("llama3"))
        b.set("llama.rope.scaling.factor", .f32(32))
        b.set("llama.rope.scaling.original_context_length", .u32(8192))
        let dir = try TemporaryDirectory()
        let model = try GGUFModel(path: try dir.write(b.build(), to: "m.gguf"))
        #expect(model.config.ropeScaling == .init(factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192))
    }

    @Test func bitnetArchitectureIsNotPermuted() throws {
        var b = GGUFBuilder.minimalLlama(arch: "bitnet")
        // BitNet GGUFs declare linear RoPE scaling by 1, which means none.
        b.set("bitnet.rope.scaling.type", .string("linear"))
        b.set("bitnet.rope.scaling.factor", .f32(1))
        let q: [Float] = (0..<16).map(Float.init)
        b.tensors.append(.init(name: "blk.0.attn_q.weight", dims: [4, 4], type: 0, data: GGUFBuilder.f32Bytes(q)))
        b.set("bitnet.block_count", .u32(1))
        let dir = try TemporaryDirectory()
        let model = try GGUFModel(path: try dir.write(b.build(), to: "b.gguf"))
        #expect(model.config.architecture == .bitnet)
        #expect(model.config.ropeScaling == nil)
        #expect(try model.loadFloat32("blk.0.attn_q.weight") == q)
    }

    @Test func llamaPermutationUndoOnHandBuiltTensor() throws {
        // Two heads of four rows: llama.cpp stores HF rows [0, 2, 1, 3 | 4, 6, 5, 7].
        var b = GGUFBuilder.minimalLlama()
        b.set("llama.embedding_length", .u32(4))
        b.set("llama.attention.head_count", .u32(2))
        b.set("llama.attention.head_count_kv", .u32(2))
        let stored: [Float] = [0, 2, 1, 3, 4, 6, 5, 7].flatMap { r in (0..<4).map { Float(r * 10 + $0) } }
        b.tensors.append(.init(name: "blk.0.attn_q.weight", dims: [4, 8], type: 0, data: GGUFBuilder.f32Bytes(stored)))
        let dir = try TemporaryDirectory()
        let model = try GGUFModel(path: try dir.write(b.build(), to: "p.gguf"))
        let hf = try model.loadFloat32("blk.0.attn_q.weight")
        #expect(hf == (0..<8).flatMap { r in (0..<4).map { Float(r * 10 + $0) } })
        #expect(try model.shape(of: "blk.0.attn_q.weight") == [8, 4])
    }

    @Test func version2IsAccepted() throws {
        var b = GGUFBuilder.minimalLlama()
        b.version = 2
        let dir = try TemporaryDirectory()
        let model = try GGUFModel(path: try dir.write(b.build(), to: "v2.gguf"))
        #expect(model.file.version == 2)
        #expect(try model.loadFloat32("token_embd.weight") == (0..<12).map(Float.init))
    }

    @Test func customAlignment() throws {
        var b = GGUFBuilder.minimalLlama()
        b.alignment = 64
        b.set("general.alignment", .u32(64))
        b.tensors.append(.init(name: "output_norm.weight", dims: [4], type: 0, data: GGUFBuilder.f32Bytes([1, 2, 3, 4])))
        let dir = try TemporaryDirectory()
        let model = try GGUFModel(path: try dir.write(b.build(), to: "a.gguf"))
        #expect(model.file.alignment == 64)
        #expect(try model.loadFloat32("output_norm.weight") == [1, 2, 3, 4])
    }

    @Test func nestedArraysAndAllValueTypesParse() throws {
        var b = GGUFBuilder.minimalLlama()
        // [[1u8, 2u8], [3u8]] as an array of arrays, then one value of every scalar type.
        let inner1 = GGUFBuilder.le(UInt32(0)) + GGUFBuilder.le(UInt64(2)) + [1, 2]
        let inner2 = GGUFBuilder.le(UInt32(0)) + GGUFBuilder.le(UInt64(1)) + [3]
        b.set("test.nested", .raw(type: 9, bytes: GGUFBuilder.le(UInt32(9)) + GGUFBuilder.le(UInt64(2)) + inner1 + inner2))
        b.set("test.i8", .raw(type: 1, bytes: [0xFF]))
        b.set("test.u16", .raw(type: 2, bytes: GGUFBuilder.le(UInt16(65535))))
        b.set("test.i16", .raw(type: 3, bytes: GGUFBuilder.le(Int16(-2))))
        b.set("test.i32", .raw(type: 5, bytes: GGUFBuilder.le(Int32(-3))))
        b.set("test.u64", .raw(type: 10, bytes: GGUFBuilder.le(UInt64(1) << 40)))
        b.set("test.i64", .raw(type: 11, bytes: GGUFBuilder.le(Int64(-4))))
        b.set("test.f64", .raw(type: 12, bytes: GGUFBuilder.le((2.5).bitPattern)))
        b.set("test.bool", .bool(true))
        let dir = try TemporaryDirectory()
        let file = try GGUFFile(path: try dir.write(b.build(), to: "n.gguf"))
        #expect(file.metadata["test.nested"] == .array([.array([.uint8(1), .uint8(2)]), .array([.uint8(3)])]))
        #expect(file.metadata["test.i8"] == .int8(-1))
        #expect(file.metadata["test.u16"]?.int == 65535)
        #expect(file.metadata["test.i16"]?.int == -2)
        #expect(file.metadata["test.i32"]?.int == -3)
        #expect(file.metadata["test.u64"]?.int == 1 << 40)
        #expect(file.metadata["test.i64"]?.int == -4)
        #expect(file.metadata["test.f64"]?.double == 2.5)
        #expect(file.metadata["test.bool"] == .bool(true))
        #expect(file.metadataKeys.first == "general.architecture")
    }

    @Test func paddedEmbeddingRowsBecomeTheVocabulary() throws {
        var b = GGUFBuilder.minimalLlama()
        b.tensors[0] = .init(name: "token_embd.weight", dims: [4, 5], type: 0, data: GGUFBuilder.f32Bytes(Array(repeating: 0, count: 20)))
        let dir = try TemporaryDirectory()
        let model = try GGUFModel(path: try dir.write(b.build(), to: "v.gguf"))
        #expect(model.config.vocabSize == 5)
        #expect(model.tokenizer.tokens.count == 3)
    }
}
