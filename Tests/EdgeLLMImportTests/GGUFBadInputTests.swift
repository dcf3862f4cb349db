import Testing
import EdgeLLMImport

/// Damaged, hostile and unsupported GGUF files: each must give one clear ImportError, never a
/// crash or a huge allocation.
@Suite struct GGUFBadInputTests {
    func open(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> ImportError? {
        let dir = try TemporaryDirectory()
        let path = try dir.write(bytes, to: "bad.gguf")
        return importError(sourceLocation: sourceLocation) { _ = try GGUFModel(path: path) }
    }

    @Test func wrongMagic() throws {
        var bytes = try readBytes(Fixtures.ggufPath("tiny_llama.gguf"))
        bytes[0] = UInt8(ascii: "X")
        #expect(try open(bytes)?.description == "not a GGUF file: bad magic")
        #expect(try open(Array("PK\u{3}\u{4}zip file".utf8))?.description == "not a GGUF file: bad magic")
    }

    @Test func emptyAndTinyFiles() throws {
        #expect(try open([])?.description.hasPrefix("not a GGUF file") == true)
        #expect(try open(Array("GG".utf8))?.description.hasPrefix("not a GGUF file") == true)
    }

    @Test func truncatedAtManyCutPoints() throws {
        let bytes = try readBytes(Fixtures.ggufPath("tiny_llama.gguf"))
        let file = try GGUFFile(path: Fixtures.ggufPath("tiny_llama.gguf"))
        // The last tensor's data ends where the file (bar alignment padding) ends.
        let dataEnd = file.tensors.map { $0.fileOffset + $0.byteCount }.max()!
        var cuts = Array(stride(from: 4, to: 200, by: 1))
        cuts += Array(stride(from: 200, to: 8000, by: 13))
        cuts += Array(stride(from: 8000, to: dataEnd, by: 997)) + [dataEnd - 1]
        let dir = try TemporaryDirectory()
        for cut in cuts {
            let path = try dir.write(Array(bytes[..<cut]), to: "cut\(cut).gguf")
            do {
                _ = try GGUFModel(path: path)
                Issue.record("a file cut at \(cut) of \(bytes.count) bytes was accepted")
            } catch let e as ImportError {
                #expect(e.description.hasPrefix("truncated GGUF file"), "cut \(cut): \(e)")
            }
        }
    }

    @Test func absurdCounts() throws {
        var b = GGUFBuilder.minimalLlama()
        b.tensorCountOverride = 1 << 62
        #expect(try open(b.build())?.description.hasPrefix("truncated GGUF file: tensor count") == true)

        b = GGUFBuilder.minimalLlama()
        b.kvCountOverride = UInt64.max
        #expect(try open(b.build())?.description.hasPrefix("truncated GGUF file: metadata count") == true)

        b = GGUFBuilder.minimalLlama()
        b.set("huge.array", .raw(type: 9, bytes: GGUFBuilder.le(UInt32(4)) + GGUFBuilder.le(UInt64(1) << 61)))
        #expect(try open(b.build())?.description.hasPrefix("truncated GGUF file: array length of 'huge.array'") == true)

        b = GGUFBuilder.minimalLlama()
        b.set("huge.string", .raw(type: 8, bytes: GGUFBuilder.le(UInt64.max)))
        #expect(try open(b.build())?.description.hasPrefix("truncated GGUF file: a string") == true)

        b = GGUFBuilder.minimalLlama()
        b.tensors[0].dims = [UInt64(1) << 40, UInt64(1) << 40]
        #expect(try open(b.build())?.description == "invalid GGUF file: tensor 'token_embd.weight' has an impossible size")

        b = GGUFBuilder.minimalLlama()
        b.tensors[0].dims = [4, 1 << 20]
        #expect(try open(b.build())?.description.hasPrefix("truncated GGUF file: data of tensor 'token_embd.weight'") == true)
    }

    @Test func deeplyNestedArrays() throws {
        var b = GGUFBuilder.minimalLlama()
        var nested: [UInt8] = []
        for _ in 0..<50 { nested += GGUFBuilder.le(UInt32(9)) + GGUFBuilder.le(UInt64(1)) }
        nested += GGUFBuilder.le(UInt32(4)) + GGUFBuilder.le(UInt64(0))
        b.set("deep", .raw(type: 9, bytes: nested))
        #expect(try open(b.build())?.description == "invalid GGUF file: arrays nested too deeply in 'deep'")
    }

    @Test func badValueAndTensorFields() throws {
        var b = GGUFBuilder.minimalLlama()
        b.set("odd", .raw(type: 77, bytes: []))
        #expect(try open(b.build())?.description == "invalid GGUF file: unknown value type 77 for 'odd'")

        b = GGUFBuilder.minimalLlama()
        b.tensors[0].dims = [4, 3, 1, 1, 1]
        #expect(try open(b.build())?.description == "invalid GGUF file: tensor 'token_embd.weight' has 5 dimensions (1 to 4 allowed)")

        b = GGUFBuilder.minimalLlama()
        b.tensors[0].offset = 3
        #expect(try open(b.build())?.description == "invalid GGUF file: tensor 'token_embd.weight' has a bad data offset 3")

        b = GGUFBuilder.minimalLlama()
        b.tensors.append(b.tensors[0])
        #expect(try open(b.build())?.description == "invalid GGUF file: tensor 'token_embd.weight' appears twice")

        b = GGUFBuilder.minimalLlama()
        b.set("general.alignment", .u32(48))
        #expect(try open(b.build())?.description == "invalid GGUF file: general.alignment must be a power of two")

        b = GGUFBuilder.minimalLlama()
        b.tensors[0] = .init(name: "token_embd.weight", dims: [4, 3], type: 8, data: [UInt8](repeating: 0, count: 34))
        #expect(try open(b.build())?.description.hasPrefix("invalid GGUF file: tensor 'token_embd.weight' has 4 columns, not a multiple of the Q8_0 block size") == true)
    }

    @Test func versions() throws {
        var b = GGUFBuilder.minimalLlama()
        b.version = 1
        #expect(try open(b.build())?.description.hasPrefix("unsupported GGUF version 1") == true)
        b.version = UInt32(3).byteSwapped
        #expect(try open(b.build())?.description == "unsupported GGUF file: big-endian GGUF files are not supported")
        b.version = 9
        #expect(try open(b.build())?.description == "unsupported GGUF version 9")
    }

    @Test func unknownArchitecture() throws {
        let b = GGUFBuilder.minimalLlama(arch: "xyz")
        #expect(try open(b.build())?.description == "unsupported architecture 'xyz' (supported: llama, qwen2, bitnet)")
        var c = GGUFBuilder.minimalLlama()
        c.remove("general.architecture")
        #expect(try open(c.build())?.description == "invalid GGUF file: general.architecture is missing")
    }

    @Test func unsupportedTensorTypes() throws {
        var b = GGUFBuilder.minimalLlama()
        b.tensors.append(.init(name: "blk.0.ffn_up.weight", dims: [256, 1], type: 16, data: [UInt8](repeating: 0, count: 66)))
        #expect(try open(b.build())?.description == "unsupported GGUF tensor type 'IQ2_XXS' in blk.0.ffn_up.weight")

        b = GGUFBuilder.minimalLlama()
        b.tensors.append(.init(name: "blk.0.ffn_up.weight", dims: [256, 1], type: 36, data: [UInt8](repeating: 0, count: 64)))
        #expect(try open(b.build())?.description == "unsupported GGUF tensor type 36 in blk.0.ffn_up.weight")
    }

    @Test func missingOrUnusableMetadata() throws {
        var b = GGUFBuilder.minimalLlama()
        b.remove("llama.embedding_length")
        #expect(try open(b.build())?.description == "GGUF metadata llama.embedding_length is missing")

        b = GGUFBuilder.minimalLlama()
        b.set("llama.attention.head_count", .i32s([2, 2]))
        #expect(try open(b.build())?.description == "GGUF metadata llama.attention.head_count varies per layer, which is not supported")

        b = GGUFBuilder.minimalLlama()
        b.set("llama.rope.scaling.type", .string("yarn"))
        #expect(try open(b.build())?.description == "unsupported RoPE scaling 'yarn' (only Llama 3 scaling is supported)")

        b = GGUFBuilder.minimalLlama()
        b.tensors.removeAll()
        #expect(try open(b.build())?.description == "GGUF file has no token_embd.weight")
    }

    @Test func unsupportedTokenizers() throws {
        var b = GGUFBuilder.minimalLlama()
        b.set("tokenizer.ggml.model", .string("llama"))
        #expect(try open(b.build())?.description == "unsupported GGUF tokenizer 'llama' (only byte-level BPE, 'gpt2', is supported)")

        b = GGUFBuilder.minimalLlama()
        b.set("tokenizer.ggml.pre", .string("deepseek-llm"))
        #expect(try open(b.build())?.description.hasPrefix("unsupported pre-tokenizer 'deepseek-llm'") == true)

        b = GGUFBuilder.minimalLlama()
        b.remove("tokenizer.ggml.model")
        #expect(try open(b.build())?.description == "GGUF file has no tokenizer (tokenizer.ggml.model is missing)")

        b = GGUFBuilder.minimalLlama()
        b.set("tokenizer.ggml.token_type", .i32s([1, 1]))
        #expect(try open(b.build())?.description == "GGUF tokenizer.ggml.token_type does not match the 3 tokens")

        b = GGUFBuilder.minimalLlama()
        b.set("tokenizer.ggml.eos_token_id", .u32(99))
        #expect(try open(b.build())?.description == "GGUF tokenizer.ggml.eos_token_id is not a token of the 3-token vocabulary")

        b = GGUFBuilder.minimalLlama()
        b.tensors[0] = .init(name: "token_embd.weight", dims: [4, 2], type: 0, data: GGUFBuilder.f32Bytes(Array(repeating: 0, count: 8)))
        #expect(try open(b.build())?.description == "GGUF tokenizer has 3 tokens but the embedding only 2 rows")
    }

    @Test func tensorsTheForwardPassCannotUse() throws {
        for name in ["blk.0.attn_output.bias", "blk.1.attn_q.weight", "output.bias", "blk.x.attn_q.weight"] {
            var b = GGUFBuilder.minimalLlama()
            b.tensors.append(.init(name: name, dims: [4], type: 0, data: GGUFBuilder.f32Bytes([0, 0, 0, 0])))
            #expect(try open(b.build())?.description
                    == "unsupported tensor '\(name)' in gguf:bad.gguf: the llama forward pass has no place for it")
        }
    }

    @Test func ropeFreqsThatAreNotLlama3() throws {
        var b = GGUFBuilder.minimalLlama()
        // head size 2 → one frequency; a divisor below 1 is no Llama 3 scaling.
        b.tensors.append(.init(name: "rope_freqs.weight", dims: [1], type: 0, data: GGUFBuilder.f32Bytes([0.5])))
        #expect(try open(b.build())?.description == "rope_freqs.weight holds values below 1; only Llama 3 RoPE scaling is supported")
    }

    @Test func unknownTensorNamesFailOnLoadNotOnOpen() throws {
        let model = try GGUFModel(path: Fixtures.ggufPath("tiny_llama.gguf"))
        #expect(throws: ImportError("no tensor 'nope.weight' in gguf:tiny_llama.gguf")) { try model.loadFloat32("nope.weight") }
        #expect(throws: ImportError.self) { try model.shape(of: "output.weight") }
    }
}
