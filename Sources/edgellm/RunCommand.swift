import ArgumentParser
import EdgeLLMEngine
#if canImport(Glibc)
import Glibc
#endif

/// `edgellm run MODEL`: generate text.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Generate text with a .tm2.bin model (text on stdout, a summary on stderr).")

    @Argument(help: "The model file (.tm2.bin).")
    var model: String

    @Option(name: .short, help: "Tokens to generate.")
    var n: Int = 32

    @Option(name: [.customShort("t"), .long], help: "Temperature; 0 is greedy.")
    var temperature: Float = 0.7

    @Option(name: [.customShort("p"), .customLong("top-p")], help: "Top-p (nucleus) threshold; 1 turns it off.")
    var topP: Float = 0.9

    @Option(name: [.customShort("k"), .customLong("top-k")], help: "Keep only the k most likely tokens; 0 turns it off.")
    var topK: Int = 0

    @Option(name: [.customShort("s"), .long], help: "Random seed (default: from the clock). Same seed, same output.")
    var seed: UInt64?

    @Option(name: [.customShort("i"), .customLong("prompt")], help: "The prompt. Without it, generation starts from BOS.")
    var prompt: String?

    @Flag(help: "Wrap the prompt in the model's chat template (ChatML or Llama 3).")
    var chat = false

    @Option(help: "System message for --chat (default: the model's own).")
    var system: String?

    @Flag(help: "Never stop at an end-of-turn token: generate exactly -n tokens.")
    var ignoreEOS = false

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard n >= 0 else { throw ValidationError("-n must be 0 or more, not \(n)") }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("-t must be 0 or more") }
        guard topP > 0, topP <= 1 else { throw ValidationError("-p must be in (0, 1], not \(topP)") }
        guard topK >= 0 else { throw ValidationError("-k must be 0 or more, not \(topK)") }
        try runtime.validate()
    }

    func run() throws {
        let languageModel = try LanguageModel(path: model)
        let session = try runtime.makeSession(languageModel)
        let tokens = try Prompt.tokens(prompt, chat: chat, system: system, tokenizer: languageModel.tokenizer)
        let parameters = GenerationParameters(
            maxTokens: n, temperature: temperature, topP: topP, topK: topK,
            seed: seed ?? UInt64(Clock.now() * 1e6), stopAtEndOfGeneration: !ignoreEOS)
        let suppress: [any LogitProcessor] = ignoreEOS
            ? [SuppressTokensProcessor(languageModel.tokenizer.endOfGenerationTokens)] : []
        let result = try TextGenerator(session: session).generate(
            prompt: tokens, parameters: parameters, extraProcessors: suppress) { text in
            StandardStreams.out(text)
        }
        // A terminal gets a final newline for the prompt's sake; a pipe gets exactly the text.
        if StandardStreams.stdoutIsTerminal { StandardStreams.out("\n") }
        let s = result.stats
        StandardStreams.err("prompt tokens: \(s.promptTokens), generated tokens: \(s.generatedTokens), "
            + "prefill: \(fixed(s.prefillTokensPerSecond)) tok/s, decode: \(fixed(s.decodeTokensPerSecond)) tok/s, "
            + "peak RSS: \(megabytes(ResourceUsage.peakResidentBytes()))\n")
    }
}
