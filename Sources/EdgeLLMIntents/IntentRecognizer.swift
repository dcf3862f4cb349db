import EdgeLLMEngine
import EdgeLLMModelFile
import Synchronization

/// The on-device recognizer: the model writes one grammar-constrained line per command
/// (`OutputSyntax`), which is parsed, completed with the speaker's area and resolved into
/// service calls.
///
/// Start-up does everything that does not depend on the command: the home's grammar, its
/// token-level tables and the prefill of the fixed prompt, whose KV cache every request reuses.
/// A request then costs its own tokens plus one forward pass per real choice of the model.
///
/// Thread-safety: one request at a time. `recognize` may be called from any thread; concurrent
/// calls wait for each other on a lock (the MQTT service serialises anyway).
public final class IntentRecognizer: IntentRecognizing {
    public struct Options: Sendable {
        /// KV cache positions; nil: the prompt prefix plus `maxRequestTokens` and `maxOutputTokens`.
        public var contextLength: Int?
        public var kvPrecision: KVCache.Precision
        /// Worker threads for the forward pass, the calling thread included.
        public var threads: Int
        /// Pin the worker threads to CPUs (`Session`'s pinThreads).
        public var pinThreads: Bool
        /// mlock the weights (`Session`'s lockWeights; see `weightsLocked`).
        public var lockWeights: Bool
        /// Longest command accepted, in tokens (with the template's turn markers).
        public var maxRequestTokens: Int
        /// Token budget of one output line; a line cut there is finished by the grammar.
        public var maxOutputTokens: Int
        /// Compute only the allowed rows of the output head when at most this many tokens are
        /// allowed; nil: a quarter of the vocabulary.
        public var headRowsLimit: Int?
        /// Whether the prompt prefix shows example commands (the base model needs them; a model
        /// fine-tuned on the output syntax does not). nil: as the model file's `intents.prompt`
        /// says ("plain": no examples), with examples when it says nothing.
        public var promptExamples: Bool?
        /// false: greedy decoding with no grammar, the line parsed afterwards (to measure what the
        /// grammar adds; an agent always decodes constrained).
        public var constrained: Bool
        /// Reject a line that names a device, area or floor the command does not say
        /// (`MentionCheck`); false only to measure what the check adds.
        public var requireMention: Bool
        /// Steer decoding toward names, areas and floors the command says (`MentionGuide`);
        /// false only to measure what the guide adds.
        public var guideMentions: Bool

        public init(contextLength: Int? = nil, kvPrecision: KVCache.Precision = .f16, threads: Int = 1,
                    pinThreads: Bool = false, lockWeights: Bool = false,
                    maxRequestTokens: Int = 96, maxOutputTokens: Int = 48, headRowsLimit: Int? = nil,
                    promptExamples: Bool? = nil, constrained: Bool = true, requireMention: Bool = true,
                    guideMentions: Bool = true) {
            self.contextLength = contextLength
            self.kvPrecision = kvPrecision
            self.threads = threads
            self.pinThreads = pinThreads
            self.lockWeights = lockWeights
            self.maxRequestTokens = maxRequestTokens
            self.maxOutputTokens = maxOutputTokens
            self.headRowsLimit = headRowsLimit
            self.promptExamples = promptExamples
            self.constrained = constrained
            self.requireMention = requireMention
            self.guideMentions = guideMentions
        }
    }

    public let model: LanguageModel
    public let vocabulary: HomeVocabulary
    public let grammar: TokenGrammar
    public let prompt: PromptPrefix
    public let resolver: IntentResolver
    public let options: Options
    /// Tokens of the cached prompt prefix.
    public let prefixLength: Int
    /// Time to build the grammar tables and to prefill the prefix.
    public let grammarMilliseconds: Double
    public let prefixPrefillMilliseconds: Double
    /// Whether `lockWeights` was asked for and the system agreed.
    public let weightsLocked: Bool

    private let decoder: Mutex<ConstrainedDecoder>

    public init(model: LanguageModel, home: Home, agentArea: String?, options: Options = Options()) throws {
        let grammarStart = Clock.now()
        self.model = model
        self.options = options
        vocabulary = try HomeVocabulary(home: home)
        resolver = try IntentResolver(vocabulary: vocabulary, agentArea: agentArea)
        grammar = try TokenGrammar(grammar: try IntentGrammar.build(vocabulary), tokenizer: model.tokenizer)
        let examples = options.promptExamples ?? (model.file.metadata.optionalString(MetadataKey.intentPrompt) != "plain")
        prompt = PromptPrefix(vocabulary: vocabulary, tokenizer: model.tokenizer, examples: examples)
        prefixLength = prompt.tokens.count
        grammarMilliseconds = (Clock.now() - grammarStart) * 1000

        let contextLength = options.contextLength ?? prefixLength + options.maxRequestTokens + options.maxOutputTokens + 8
        guard prefixLength + options.maxRequestTokens + options.maxOutputTokens <= contextLength else {
            throw EngineError("context length \(contextLength) is too short: the prompt prefix alone is \(prefixLength) tokens, and a request needs \(options.maxRequestTokens + options.maxOutputTokens) more")
        }
        let prefillStart = Clock.now()
        let session = try Session(model: model, contextLength: contextLength, kvPrecision: options.kvPrecision,
                                  threads: options.threads, pinThreads: options.pinThreads,
                                  lockWeights: options.lockWeights)
        weightsLocked = session.weightsLocked
        try session.feed(prompt.tokens)
        prefixPrefillMilliseconds = (Clock.now() - prefillStart) * 1000
        let vocab = model.config.vocabSize
        decoder = Mutex(ConstrainedDecoder(session: session, grammar: grammar, prefixLength: prefixLength,
                                           maxOutputTokens: options.maxOutputTokens,
                                           headRowsLimit: options.headRowsLimit ?? vocab / 4))
    }

    /// The raw constrained generation for a command; tests steer it along a known `target` line.
    func decode(_ command: String, deadline: Double? = nil, target: String? = nil) throws(EngineError) -> DecodeOutcome {
        let request = prompt.requestTokens(command, tokenizer: model.tokenizer)
        return try decoder.withLock { d throws(EngineError) in
            try d.run(request: request, deadline: deadline, target: target.map { Array($0.utf8) })
        }
    }

    public func recognize(_ text: String, context: CommandContext, deadline: Double?) -> Recognition {
        let command = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
            .joined(separator: " ")
        guard !command.isEmpty else {
            return Recognition(status: .rejected, intent: nil, actions: [], speech: Speech.empty)
        }
        let request = prompt.requestTokens(command, tokenizer: model.tokenizer)
        guard request.count <= options.maxRequestTokens else {
            return Recognition(status: .error, intent: nil, actions: [], speech: Speech.failed,
                               error: "the command is too long: \(request.count) tokens, at most \(options.maxRequestTokens)")
        }
        let outcome: DecodeOutcome
        do {
            let constrained = options.constrained
            let guide = options.guideMentions && constrained
                ? MentionGuide(command: command, vocabulary: vocabulary, contextArea: resolver.speakerArea(context)) : nil
            outcome = try decoder.withLock { decoder throws(EngineError) in
                constrained ? try decoder.run(request: request, deadline: deadline, guide: guide)
                    : try decoder.runUnconstrained(request: request, deadline: deadline)
            }
        } catch {
            return Recognition(status: .error, intent: nil, actions: [], speech: Speech.failed, error: error.description)
        }
        var result = Recognition(status: .ok, intent: nil, actions: [], speech: "",
                                 promptTokens: outcome.promptTokens, generatedTokens: outcome.generatedTokens,
                                 prefillMilliseconds: outcome.prefillSeconds * 1000,
                                 decodeMilliseconds: outcome.decodeSeconds * 1000)
        result.decodeSteps = outcome.decodeSteps
        result.forcedTokens = outcome.forcedTokens
        result.rewinds = outcome.rewinds
        result.output = outcome.line
        if outcome.timedOut {
            result.status = .timeout
            result.speech = Speech.timedOut
            return result
        }
        interpret(outcome.line, command: command, context: context, noneOverruled: outcome.noneOverruled, into: &result)
        return result
    }

    /// The model's line as an outcome: parsed, checked against what the command says
    /// (`MentionCheck`), completed with the speaker's area and resolved into service calls.
    ///
    /// A HassTurnOn/Off line that names no device (or `all`) must say what kind of device: "lights
    /// out in bedroom 3" is not everything in bedroom 3, nor "activate dusty lamp at floor 1!" (a
    /// lamp the home lacks, gone back on by the guide) every light, switch and fan on floor 1. A
    /// line taken over the model's `none` (`noneOverruled`) may only ask about a device the command
    /// names, or start a scene or script it names and asks for (`MentionCheck.mayOverruleNone`): a
    /// question answered is harmless, a switch thrown on a guess is not.
    /// A HassTurnOn/Off of anything but a lock, for a command that says lock or unlock, is refused
    /// (`MentionCheck.misreadsLock`). A timer's delayed command or name that shares no word with a command that asks for a timer
    /// is the model's invention and is left out rather than the timer refused
    /// (`MentionCheck.inventedTimerText`); one that shares a word is a garbled copy, and the check
    /// refuses the line.
    func interpret(_ line: String, command: String, context: CommandContext,
                   noneOverruled: Bool = false, into result: inout Recognition) {
        let parsed: Intent?
        do {
            parsed = try OutputSyntax.parse(line)
        } catch {
            // The grammar makes this unreachable (unconstrained decoding does not); say so rather
            // than act on a guess.
            result.status = .error
            result.speech = Speech.failed
            result.error = "unparseable output: \(error.description)"
            return
        }
        guard var parsed else {
            result.status = .rejected
            result.speech = Speech.notUnderstood
            return
        }
        // A timer's command or name made up whole is left out; the timer asked for stands.
        if options.requireMention {
            for slot in MentionCheck.inventedTimerText(parsed, in: command) { parsed.slots[slot] = nil }
        }
        let widened = IntentSchema.switchesAnything.contains(parsed.name)
            && ["domain", "device_class"].allSatisfy { parsed.slots[$0] == nil }
            && (parsed.slots["name"] == nil || parsed.slots["name"]?.text?.lowercased() == IntentSchema.allName)
        let guessed = noneOverruled && !MentionCheck.mayOverruleNone(parsed, in: command)
        let misread = options.requireMention && MentionCheck.misreadsLock(parsed, in: command, vocabulary: vocabulary)
        if widened || guessed || misread || options.requireMention
            && MentionCheck.unsaid(parsed, in: command, contextArea: resolver.speakerArea(context),
                                deviceNames: vocabulary.deviceNames(for: parsed.name)) != nil {
            result.status = .rejected
            result.speech = Speech.notUnderstood
            return
        }
        let intent = resolver.withContextArea(parsed, context: context)
        let resolution = resolver.resolve(intent)
        result.intent = intent
        result.actions = resolution.actions
        result.speech = resolution.speech
        result.status = resolution.matched ? .ok : .rejected
    }
}
