import ArgumentParser
import EdgeLLMEngine
#if canImport(Glibc)
import Glibc
#endif

/// `edgellm compare`: top-1 agreement and KL divergence of a quantised model against a reference.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a model's next-token distributions with a reference model's over a prompt set.")

    @Argument(help: "The reference model (e.g. the f32 conversion).")
    var reference: String

    @Argument(help: "The model to measure (e.g. the q8_0 or ternary conversion).")
    var candidate: String

    @Option(help: "A text file, one prompt per line.")
    var prompts: String

    func run() throws {
        guard let file = fopen(prompts, "r") else {
            throw ValidationError("cannot read '\(prompts)'")
        }
        defer { fclose(file) }
        var lines: [String] = []
        var buffer = [CChar](repeating: 0, count: 65536)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let trimmed = line.hasSuffix("\n") ? String(line.dropLast()) : line
            if !trimmed.isEmpty { lines.append(trimmed) }
        }
        let ref = try LanguageModel(path: reference)
        let cand = try LanguageModel(path: candidate)
        let sequences = try lines.map { try Prompt.tokens($0, chat: false, tokenizer: ref.tokenizer) }
        let longest = sequences.map(\.count).max() ?? 1
        let result = try ModelComparison.compare(
            reference: Session(model: ref, contextLength: longest), candidate: Session(model: cand, contextLength: longest),
            sequences: sequences)
        StandardStreams.out("prompts: \(lines.count), positions: \(result.positions), top-1 agreement: \(fixed(result.top1Agreement * 100, 2))%, mean KL: \(fixed(result.meanKLDivergence, 4)) nats\n")
    }
}
