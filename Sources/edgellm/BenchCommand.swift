import ArgumentParser
import EdgeLLMEngine
#if canImport(Glibc)
import Glibc
#endif

/// `edgellm bench MODEL`: latency and throughput of fixed-size requests (the measuring is
/// EdgeLLMEngine's `Benchmark`; this is its command-line face).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure time to first token, per-token latency and throughput (a table on stdout).",
        discussion: """
            Each run prefills the same PROMPT_TOKENS-token prompt into an empty cache, picks the \
            first token greedily, then makes GEN_TOKENS decode steps with end-of-generation tokens \
            suppressed, so every run does the same work. --json writes the figures as described in \
            docs/bench-json.md.
            """)

    @Argument(help: "The model file (.tm2.bin).")
    var model: String

    @Option(name: .short, help: ArgumentHelp("Prompt tokens per run.", valueName: "prompt-tokens"))
    var p: Int = 32

    @Option(name: .short, help: ArgumentHelp("Decode steps (generated tokens) per run.", valueName: "gen-tokens"))
    var n: Int = 64

    @Option(help: "Measured runs.")
    var runs: Int = 30

    @Option(help: "Runs before the measured ones, not counted.")
    var warmup: Int = 2

    @Option(help: "Also write the figures as JSON to this file.")
    var json: String?

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        try runtime.validate()
        guard p >= 1 else { throw ValidationError("-p must be 1 or more, not \(p)") }
        guard n >= 1 else { throw ValidationError("-n must be 1 or more, not \(n)") }
        guard runs >= 1 else { throw ValidationError("--runs must be 1 or more, not \(runs)") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be 0 or more, not \(warmup)") }
        guard p <= runtime.ctx - n else {
            throw ValidationError("-p \(p) and -n \(n) need \(p + n) positions, more than --ctx \(runtime.ctx)")
        }
    }

    func run() throws {
        // Open the JSON file first: a bad path should fail now, not after minutes of runs.
        var jsonFile: UnsafeMutablePointer<FILE>?
        if let json {
            guard let f = fopen(json, "w") else {
                throw EngineError("cannot write --json '\(json)': \(String(cString: strerror(errno)))")
            }
            jsonFile = f
        }
        var written = false
        defer {
            if let jsonFile {
                fclose(jsonFile)
                if !written, let json { unlink(json) }
            }
        }

        let languageModel = try LanguageModel(path: model)
        let session = try runtime.makeSession(languageModel)
        let configuration = BenchmarkConfiguration(promptTokens: p, generatedTokens: n, runs: runs, warmupRuns: warmup)
        let total = warmup + runs
        let showProgress = StandardStreams.stderrIsTerminal
        let result = try Benchmark.run(session: session, configuration: configuration) { run in
            if showProgress { StandardStreams.err("\rrun \(run + 1)/\(total)" + (run + 1 == total ? "\r\u{1B}[K" : "")) }
        }
        let report = BenchmarkReport(result)
        StandardStreams.out(report.table())
        if let jsonFile {
            let text = report.json()
            let ok = text.utf8CString.withUnsafeBufferPointer { b in
                fwrite(b.baseAddress, 1, b.count - 1, jsonFile) == b.count - 1
            }
            guard ok, fflush(jsonFile) == 0 else {
                throw EngineError("cannot write --json '\(json ?? "")': \(String(cString: strerror(errno)))")
            }
            written = true
        }
    }
}
