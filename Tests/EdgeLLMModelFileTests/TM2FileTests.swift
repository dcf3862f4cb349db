import EdgeLLMModelFile
import Foundation
import Testing

@Suite struct TM2FileTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("edgellm-\(UUID().uuidString)-\(name)").path
    }

    /// A small file with one tensor of every type.
    static func writeSample(_ path: String) throws -> (Metadata, [TensorInfo], [[UInt8]]) {
        var metadata = Metadata()
        metadata["general.architecture"] = .string("llama")
        metadata["a.float"] = .float(1e-5)
        metadata["a.int"] = .int(-42)
        metadata["a.bool"] = .bool(true)
        metadata["a.strings"] = .strings(["Ġhello", "wörld", ""])
        metadata["a.ints"] = .ints([1, -2, 3])
        let specs = [
            TensorInfo(name: "v", type: .f32, shape: [5]),
            TensorInfo(name: "h", type: .f16, shape: [3, 7]),
            TensorInfo(name: "q8", type: .q8_0, shape: [2, 64]),
            TensorInfo(name: "q4", type: .q4_0, shape: [3, 32]),
            TensorInfo(name: "t", type: .ternary, shape: [4, 96], scaleCount: 4),
        ]
        let datas = specs.map { spec in (0..<spec.expectedSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ spec.name.count) } }
        let writer = try TM2Writer(path: path, metadata: metadata, tensors: specs)
        for d in datas { try writer.writeTensor(d) }
        try writer.finish()
        return (metadata, writer.plannedTensors, datas)
    }

    @Test func roundTrip() throws {
        let path = Self.temporaryPath("rt.tm2.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (metadata, tensors, datas) = try Self.writeSample(path)
        let file = try TM2File(path: path)
        #expect(file.metadata == metadata)
        #expect(file.tensors == tensors)
        for (t, d) in zip(file.tensors, datas) {
            #expect(Int(bitPattern: file.data(t)) % TM2Format.alignment == 0, "\(t.name) is aligned")
            #expect(Array(UnsafeRawBufferPointer(start: file.data(t), count: t.size)) == d)
        }
        let t = try #require(file.info("t"))
        #expect(t.size == 4 * 96 / 4 + 4 * 4)
        let scales = try #require(file.scales(t))
        #expect(UnsafeRawPointer(scales) == file.data(t) + 4 * 24)
    }

    @Test func releasingParsedPagesKeepsTheMapValid() throws {
        let path = Self.temporaryPath("release.tm2.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var (metadata, _, datas) = try Self.writeSample(path)
        let file = try TM2File(path: path)
        let before = Array(file.mapping.bytes)
        file.mapping.release(before: file.tensorDataOffset)
        file.mapping.release(before: file.mapping.count)
        #expect(Array(file.mapping.bytes) == before)
        #expect(file.mapping.prefault(lock: false, from: file.tensorDataOffset))
        for (t, d) in zip(file.tensors, datas) {
            #expect(Array(UnsafeRawBufferPointer(start: file.data(t), count: t.size)) == d)
        }
        file.discardMetadata(["a.strings", "no.such.key"])
        metadata["a.strings"] = nil
        #expect(file.metadata == metadata)
        #expect(file.metadata["a.ints"] == .ints([1, -2, 3]))
    }

    @Test func wrongMagicSaysExpectedTM2() throws {
        let path = Self.temporaryPath("bad.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("GGUF and then some more bytes".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelFileError("Invalid model format: expected TM2")) { try TM2File(path: path) }
    }

    @Test func emptyAndMissingFiles() throws {
        let path = Self.temporaryPath("empty.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelFileError.badMagic) { try TM2File(path: path) }
        #expect(throws: ModelFileError.self) { try TM2File(path: "/nonexistent/model.tm2.bin") }
        #expect(throws: ModelFileError.self) { try TM2File(path: "/tmp") }
    }

    @Test func everyTruncationIsAnError() throws {
        let path = Self.temporaryPath("full.tm2.bin")
        let cut = Self.temporaryPath("cut.tm2.bin")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: cut) }
        _ = try Self.writeSample(path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for length in stride(from: 0, to: bytes.count, by: 7) {
            try bytes.prefix(length).write(to: URL(fileURLWithPath: cut))
            #expect(throws: ModelFileError.self, "cut at \(length)") { try TM2File(path: cut) }
        }
        try bytes.prefix(bytes.count - 1).write(to: URL(fileURLWithPath: cut))
        do {
            _ = try TM2File(path: cut)
            Issue.record("a file one byte short was accepted")
        } catch {
            #expect(error.description.contains("truncated"))
        }
    }

    @Test func unknownTensorTypeIsAnError() throws {
        let path = Self.temporaryPath("type.tm2.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, _, _) = try Self.writeSample(path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The first tensor entry: name "v" (u32 length 1 + 'v'), then its type.
        let needle: [UInt8] = [1, 0, 0, 0, UInt8(ascii: "v")]
        let at = try #require((0..<bytes.count - needle.count).first { Array(bytes[$0..<$0 + needle.count]) == needle })
        bytes[at + needle.count] = 99
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelFileError("Invalid model format: tensor v has unknown type 99")) { try TM2File(path: path) }
    }

    @Test func hugeCountsAreRejectedNotAllocated() throws {
        let path = Self.temporaryPath("huge.tm2.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var bytes = TM2Format.magic + [1, 0, 0, 0]
        bytes += [UInt8](repeating: 0xFF, count: 8) // metadata count
        bytes += [UInt8](repeating: 0, count: 32)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelFileError.self) { try TM2File(path: path) }
    }

    @Test func writerRefusesShapesItCannotStore() throws {
        let path = Self.temporaryPath("w.tm2.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ModelFileError.self) {
            try TM2Writer(path: path, metadata: Metadata(), tensors: [TensorInfo(name: "x", type: .q8_0, shape: [2, 33])])
        }
        #expect(throws: ModelFileError.self) {
            try TM2Writer(path: path, metadata: Metadata(), tensors: [TensorInfo(name: "x", type: .ternary, shape: [2, 32], scaleCount: 3)])
        }
    }
}

@Suite struct ModelConfigMetadataTests {
    static let config = ModelConfig(
        architecture: .llama, name: "tiny", vocabSize: 300, dim: 64, layerCount: 2, headCount: 4,
        kvHeadCount: 2, headDim: 16, ffnDim: 160, maxSequenceLength: 256, rmsNormEps: 1e-5,
        ropeTheta: 500000,
        ropeScaling: .init(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 64),
        tiedEmbeddings: true)

    @Test func roundTrip() throws {
        var m = Metadata()
        Self.config.write(to: &m)
        #expect(try ModelConfig(metadata: m) == Self.config)
    }

    @Test func unknownArchitectureIsNamed() throws {
        var m = Metadata()
        Self.config.write(to: &m)
        m["general.architecture"] = .string("mamba")
        #expect(throws: ModelFileError("Invalid model format: unknown architecture 'mamba' (supported: llama, qwen2, bitnet)")) {
            try ModelConfig(metadata: m)
        }
    }

    @Test func missingOrNonsenseHyperParameters() throws {
        var m = Metadata()
        Self.config.write(to: &m)
        m["model.dim"] = nil
        #expect(throws: ModelFileError.self) { try ModelConfig(metadata: m) }
        Self.config.write(to: &m)
        m["model.n_kv_heads"] = .int(3)
        #expect(throws: ModelFileError.self) { try ModelConfig(metadata: m) }
        m["model.n_kv_heads"] = .int(0)
        #expect(throws: ModelFileError.self) { try ModelConfig(metadata: m) }
    }
}
