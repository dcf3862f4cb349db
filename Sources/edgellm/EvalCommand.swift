import ArgumentParser
import EdgeLLMAgent
import EdgeLLMEngine
import EdgeLLMIntents
#if canImport(Glibc)
import Glibc
#endif

/// `edgellm eval`: the recognizer the agent runs, without MQTT, over a JSON-lines set of commands
/// with their gold intents.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure intent recognition on a JSON-lines set of commands.",
        discussion: """
            Each line: {"text": ..., "intent": NAME or null, "slots": {...}, "context": {"area": ...}}.
            A null intent is a negative (not a command for the home). Lines with "home": "local" and a
            "local_home" (Home Assistant's converted tests) are run against their own home.
            Prints exact-match accuracy of the intent and of intent + slots, overall and per intent.
            """)

    @Argument(help: "The model (.tm2.bin).")
    var model: String

    @Option(help: "The home: areas and entities, JSON or YAML (as the agent reads it).")
    var home: String

    @Option(help: "The evaluation set (JSON lines).")
    var data: String

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: "Write one JSON line per command: text, gold and predicted intent and slots.")
    var predictions: String?

    @Option(help: "The area the agent is in, for commands whose context names none.")
    var area: String?

    @Option(help: "Evaluate only the first N commands.")
    var limit: Int?

    @Flag(help: "Leave the example commands out of the prompt (default: as the model file says; a model fine-tuned on the output syntax needs none).")
    var noExamples = false

    @Flag(help: "Decode greedily without the grammar and parse the line afterwards (what the grammar adds).")
    var unconstrained = false

    @Flag(help: "Act on lines that name a device, area or floor the command does not say (what the agent's mention check adds).")
    var noMentionCheck = false

    @Flag(help: "Let the model choose names, areas and floors the command does not say (what the agent's mention guide adds).")
    var noMentionGuide = false

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more, not \(limit)") }
    }

    func run() throws {
        var cases = try Evaluation.load(path: data)
        if let limit { cases = Array(cases.prefix(limit)) }
        // YAML through the agent's reader, so `config/home.example.yaml` evaluates as it serves.
        let home = home.hasSuffix(".yaml") || home.hasSuffix(".yml")
            ? try AgentConfig.loadHome(path: home) : try Home.load(path: home)
        var output: UnsafeMutablePointer<FILE>?
        if let predictions {
            guard let file = fopen(predictions, "w") else {
                throw EvalCommandError("cannot write '\(predictions)': \(String(cString: strerror(errno)))")
            }
            output = file
        }
        defer { if let output { fclose(output) } }

        let languageModel = try LanguageModel(path: model)
        // A local home's prompt is short: its own context length, not --ctx.
        let options = IntentRecognizer.Options(kvPrecision: runtime.kv, threads: runtime.threads,
                                               pinThreads: runtime.pin, lockWeights: runtime.mlock,
                                               promptExamples: noExamples ? false : nil,
                                               constrained: !unconstrained, requireMention: !noMentionCheck,
                                               guideMentions: !noMentionGuide)
        var mainOptions = options
        mainOptions.contextLength = runtime.ctx
        let main = try IntentRecognizer(model: languageModel, home: home, agentArea: area, options: mainOptions)
        if runtime.pin { ThreadPool.pinCallingThread() }
        ThreadPool.flushDenormalsOnCallingThread()
        if runtime.mlock && !main.weightsLocked {
            StandardStreams.err("warning: could not lock the weights in memory (see `ulimit -l`); running unlocked\n")
        }
        StandardStreams.err("home: \(home.areas.count) areas, \(home.entities.count) entities; grammar: \(main.grammar.choiceStateCount) states, \(main.grammar.tableEntries) token transitions, \(fixed(main.grammarMilliseconds)) ms; prompt prefix: \(main.prefixLength) tokens, prefilled in \(fixed(main.prefixPrefillMilliseconds)) ms\n")
        var local: [(Home, IntentRecognizer)] = []
        let progress = StandardStreams.stderrIsTerminal
        let predictions = try Evaluation.run(cases, recognizer: { own in
            guard let own else { return main }
            if let found = local.first(where: { $0.0 == own }) { return found.1 }
            // A local home's names are not the agent's area's: no agent area there.
            let r = try IntentRecognizer(model: languageModel, home: own, agentArea: nil, options: options)
            local.append((own, r))
            return r
        }, progress: { done in
            if progress { StandardStreams.err("\r\(done)/\(cases.count)") }
        })
        if progress { StandardStreams.err("\r\u{1B}[K") }
        if let output {
            for p in predictions { fputs(Evaluation.predictionLine(p) + "\n", output) }
        }
        let report = EvalReport(predictions)
        let expressible = predictions.filter { p in
            let r = p.evalCase.home.flatMap { own in local.first { $0.0 == own }?.1 } ?? main
            return Evaluation.expressible(p.evalCase, in: r.grammar.bytes)
        }.count
        StandardStreams.err("gold answers the grammar can write: \(expressible) of \(predictions.count)\n")
        StandardStreams.err(Evaluation.costSummary(predictions) + (report.localHomeCases > 0 ? "; \(report.localHomeCases) commands ran on their own \(report.localHomes) homes" : "") + "\n")
        StandardStreams.out(json ? report.json + "\n" : report.text)
    }
}

/// An eval failure, in one line.
struct EvalCommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
