import EdgeLLMModelFile
import Foundation
import Testing

/// The `edgellm` command as a user runs it: exit codes, stdout, stderr.
@Suite(.serialized) struct CommandLineTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func binary() throws -> String {
        for dir in [".build/debug", ".build/release"] {
            let p = packageRoot.appendingPathComponent(dir).appendingPathComponent("edgellm").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw CLIError(description: "edgellm is not built")
    }

    struct CLIError: Error, CustomStringConvertible { var description: String }

    @discardableResult
    static func run(_ args: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = args
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("edgellm-cli-\(UUID().uuidString)-\(name)").path
    }

    /// The tiny Llama fixture converted by the CLI itself.
    static let tinyModel: Result<String, any Error> = Result {
        let path = temporaryPath("tiny.tm2.bin")
        let r = try run(["convert", packageRoot.appendingPathComponent("Tests/Fixtures/models/tiny-llama").path,
                         "-o", path, "--weights", "q8_0"])
        guard r.status == 0 else { throw CLIError(description: "convert failed: \(r.stderr)") }
        return path
    }

    /// A copy of the tiny model with its metadata edited.
    static func rewritten(_ edit: (inout Metadata) -> Void) throws -> String {
        let file = try TM2File(path: try tinyModel.get())
        var metadata = file.metadata
        edit(&metadata)
        let path = temporaryPath("edited.tm2.bin")
        let writer = try TM2Writer(path: path, metadata: metadata, tensors: file.tensors)
        for t in file.tensors { try writer.writeTensor(UnsafeRawBufferPointer(start: file.data(t), count: t.size)) }
        try writer.finish()
        return path
    }

    func expectOneLineError(_ r: Output, containing text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0, sourceLocation: sourceLocation)
        #expect(r.stderr.contains(text), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    // MARK: Generation

    @Test func originalCommandLineGenerates() throws {
        let model = try Self.tinyModel.get()
        let r = try Self.run([model, "-n", "8", "-t", "0.7", "-p", "0.9", "-s", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.isEmpty)
        #expect(r.stderr.contains("prompt tokens: 1, generated tokens:"))
        #expect(r.stderr.contains("decode:") && r.stderr.contains("peak RSS:"))
    }

    @Test func sameSeedSameOutputAndRunIsTheSameCommand() throws {
        let model = try Self.tinyModel.get()
        let a = try Self.run([model, "-i", "The robot", "-n", "12", "-t", "1.0", "-s", "11"])
        let b = try Self.run(["run", model, "-i", "The robot", "-n", "12", "-t", "1.0", "-s", "11"])
        #expect(a.status == 0 && b.status == 0)
        #expect(a.stdout == b.stdout)
        #expect(!a.stdout.contains("tok/s") && a.stderr.contains("tok/s"), "the summary goes to stderr only")
        // Stdout is text the tokenizer round-trips: no stray bytes or broken characters.
        let ids = try Self.run(["tokenize", model, "--no-special", a.stdout])
        #expect(ids.status == 0 && !ids.stdout.isEmpty)
        #expect(try Self.run(["detokenize", model] + ids.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)).stdout == a.stdout + "\n")
        let greedy1 = try Self.run([model, "-i", "hello", "-n", "6", "-t", "0", "-s", "1"])
        let greedy2 = try Self.run([model, "-i", "hello", "-n", "6", "-t", "0", "-s", "2"])
        #expect(greedy1.stdout == greedy2.stdout, "-t 0 is greedy whatever the seed")
    }

    @Test func chatAndIgnoreEOS() throws {
        let model = try Self.tinyModel.get()
        let r = try Self.run([model, "--chat", "-i", "hi", "-n", "10", "--ignore-eos", "-s", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("generated tokens: 10"))
    }

    // MARK: Tokenizer commands

    @Test func tokenizeAndDetokenize() throws {
        let model = try Self.tinyModel.get()
        let t = try Self.run(["tokenize", model, "<|im_start|>hello world"])
        #expect(t.status == 0)
        let ids = t.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        #expect(ids.first == "1", "<|im_start|> is token 1 in the fixture tokenizer")
        let plain = try Self.run(["tokenize", model, "--no-special", "<|im_start|>hello world"])
        #expect(plain.stdout.split(separator: " ").first != "1")
        let d = try Self.run(["detokenize", model] + ids)
        #expect(d.stdout == "<|im_start|>hello world\n")
    }

    @Test func infoDescribesTheModel() throws {
        let r = try Self.run(["info", try Self.tinyModel.get(), "--ctx", "128"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("architecture: llama"))
        #expect(r.stdout.contains("memory at ctx 128:"))
        #expect(r.stdout.contains("q8_0"))
    }

    @Test(arguments: [[], ["run"], ["convert"], ["info"], ["tokenize"], ["detokenize"], ["compare"]])
    func helpOnEveryCommand(command: [String]) throws {
        let r = try Self.run(command + ["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE"))
    }

    @Test func convertHelpNamesItsDefaultWeightType() throws {
        let r = try Self.run(["convert", "--help"])
        #expect(r.stdout.contains("default: ternary"))
        #expect(!r.stdout.contains("default: 4"))
    }

    // MARK: Bad input: one line, non-zero exit, never a crash

    @Test func wrongMagic() throws {
        let path = Self.temporaryPath("notamodel.bin")
        try Data("this is not a model file at all".utf8).write(to: URL(fileURLWithPath: path))
        expectOneLineError(try Self.run([path, "-n", "4"]), containing: "Invalid model format: expected TM2")
    }

    @Test func truncatedFile() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: try Self.tinyModel.get()))
        let path = Self.temporaryPath("cut.tm2.bin")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        expectOneLineError(try Self.run([path]), containing: "truncated")
    }

    @Test func missingFile() throws {
        expectOneLineError(try Self.run(["/nonexistent/model.tm2.bin"]), containing: "cannot open")
    }

    @Test func shapeDisagreesWithMetadata() throws {
        let path = try Self.rewritten { $0["model.ffn_dim"] = .int(64) }
        expectOneLineError(try Self.run([path, "-n", "2"]), containing: "blk.0.ffn_gate.weight has shape")
    }

    @Test func unknownArchitecture() throws {
        let path = try Self.rewritten { $0["general.architecture"] = .string("mamba") }
        expectOneLineError(try Self.run([path]), containing: "unknown architecture 'mamba'")
    }

    @Test func unknownTensorType() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try Self.tinyModel.get())))
        let name = Array("token_embd.weight".utf8)
        let needle = withUnsafeBytes(of: UInt32(name.count).littleEndian, Array.init) + name
        let at = try #require((0..<bytes.count - needle.count).first { Array(bytes[$0..<$0 + needle.count]) == needle })
        bytes[at + needle.count] = 42
        let path = Self.temporaryPath("type.tm2.bin")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        expectOneLineError(try Self.run([path]), containing: "unknown type 42")
    }

    @Test(arguments: [["-n", "-1"], ["-p", "1.5"], ["-t", "-1"], ["-k", "-2"], ["--ctx", "0"], ["--kv", "f8"], ["-n", "abc"]])
    func badOptions(args: [String]) throws {
        let r = try Self.run([try Self.tinyModel.get()] + args)
        #expect(r.status != 0)
        #expect(!r.stderr.isEmpty)
    }

    /// The tiny model's heads hold 8 values: not a whole Q8_0 block.
    @Test(arguments: [["run"], ["info"], ["bench", "--runs", "1", "-n", "2"]])
    func q8CacheOnHeadsItCannotBlock(command: [String]) throws {
        let r = try Self.run([command[0], try Self.tinyModel.get()] + command.dropFirst() + ["--kv", "q8_0"])
        expectOneLineError(r, containing: "a q8_0 KV cache needs a head size that is a multiple of 32")
    }

    @Test func promptLongerThanContext() throws {
        let r = try Self.run([try Self.tinyModel.get(), "--ctx", "4", "-i", "a long prompt that does not fit in four positions"])
        expectOneLineError(r, containing: "context full")
    }

    @Test func badTokenIds() throws {
        let model = try Self.tinyModel.get()
        #expect(try Self.run(["detokenize", model, "99999"]).status != 0)
        #expect(try Self.run(["detokenize", model, "-5"]).status != 0)
    }

    @Test func convertRejectsWhatItCannotRead() throws {
        let path = Self.temporaryPath("junk.gguf")
        try Data("junk".utf8).write(to: URL(fileURLWithPath: path))
        let r = try Self.run(["convert", path, "-o", Self.temporaryPath("out.tm2.bin")])
        #expect(r.status != 0)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        let bad = try Self.run(["convert", path, "-o", "x.tm2.bin", "--weights", "q3_k"])
        #expect(bad.status != 0)
    }

    @Test func convertMergesALoRAAdapter() throws {
        let models = Self.packageRoot.appendingPathComponent("Tests/Fixtures/models")
        let base = models.appendingPathComponent("tiny-llama-tied").path
        let out = Self.temporaryPath("lora.tm2.bin")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Self.run(["convert", base, "--lora", models.appendingPathComponent("tiny-llama-lora/adapter").path,
                              "-o", out, "--weights", "q8_0"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("lora=adapter"), "\(r.stderr)")

        let missing = try Self.run(["convert", base, "--lora", Self.temporaryPath("no-such-adapter"), "-o", Self.temporaryPath("x.tm2.bin")])
        #expect(missing.status != 0)
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
        #expect(missing.stderr.contains("cannot read LoRA adapter"), "\(missing.stderr)")
    }
}
