import EdgeLLMEngine
import Foundation
import Testing
@testable import EdgeLLMIntents

/// The decoding machinery on the tiny random model (its choices are steered along known lines, so
/// the counts are exact), then the whole recognizer on the real SmolLM2 conversions.
@Suite(.serialized) struct RecognizerTests {
    static func tiny() throws -> IntentRecognizer { try IntentFixtures.tinyRecognizer.get() }

    @Test func forcedTokensAreFedWithTheChoiceBeforeThem() throws {
        let r = try Self.tiny()
        let line = "HassClimateSetTemperature name Heat Pump; temperature 21"
        let o = try r.decode("heat pump to 21 degrees", target: line)
        #expect(o.line == line)
        #expect(o.forcedTokens > 0)
        #expect(o.generatedTokens == o.modelChoices - 1 + o.forcedTokens, "the last choice is the end of the turn")
        // One forward pass per choice that had to be fed back: none for forced tokens.
        #expect(o.decodeSteps == o.modelChoices - 1)
        #expect(o.decodeSteps < o.generatedTokens)
        #expect(o.selectiveHeadPasses > 0)
    }

    @Test func stopsAsSoonAsTheLineIsComplete() throws {
        let r = try Self.tiny()
        for line in ["HassNevermind", "none", "HassTurnOn name Reading Lamp"] {
            let o = try r.decode("whatever", target: line)
            #expect(o.line == line)
            #expect(!o.truncated && !o.timedOut)
            #expect(o.decodeSteps == o.modelChoices - 1)
        }
        // "HassNevermind" and "none" need no end-of-turn choice; "Reading Lamp" could go on.
        let nevermind = try r.decode("whatever", target: "HassNevermind")
        #expect(nevermind.generatedTokens == nevermind.modelChoices + nevermind.forcedTokens)
    }

    @Test func negativesParseToNoIntent() throws {
        let r = try Self.tiny()
        let o = try r.decode("what is the meaning of life", target: "none")
        #expect(try OutputSyntax.parse(o.line) == nil)
    }

    @Test func unsteeredOutputAlwaysParsesAndBudgetCutsAreCompleted() throws {
        let r = try Self.tiny()
        for c in try IntentFixtures.commands().prefix(12) {
            let result = r.recognize(c.text, context: c.context, deadline: nil)
            #expect(result.status != .error, "\(c.text): \(result.error ?? "")")
            expectValidLine(result.output, r.vocabulary)
            #expect(result.generatedTokens <= r.options.maxOutputTokens + 40)
        }
    }

    @Test func linesNamingWhatTheCommandDoesNotSayAreNotActedOn() throws {
        let r = try Self.tiny()
        #expect(r.options.requireMention)
        func outcome(_ line: String, _ command: String, area: String? = nil) -> Recognition {
            var result = Recognition(status: .ok, intent: nil, actions: [], speech: "")
            r.interpret(line, command: command, context: CommandContext(area: area), into: &result)
            return result
        }
        // A home without a granny flat: the nearest thing it has is not what was asked for.
        let unsaid = outcome("HassMediaPause name Lounge Speaker", "pause the granny flat music")
        #expect(unsaid.status == .rejected && unsaid.intent == nil && unsaid.actions.isEmpty)
        #expect(unsaid.speech == Speech.notUnderstood)
        let said = outcome("HassMediaPause name Lounge Speaker", "pause the lounge speaker")
        #expect(said.status == .ok && said.actions.count == 1)
        // The speaker's area need not be said; it is filled in and acted on.
        let here = outcome("HassTurnOff area Lounge; domain light", "lights off", area: "Lounge")
        #expect(here.status == .ok && !here.actions.isEmpty)
    }

    @Test func aLineThatSwitchesNoNamedDeviceMustSayWhatKind() throws {
        let r = try Self.tiny()
        func outcome(_ line: String, _ command: String = "activate the study disco lamp") -> Recognition {
            var result = Recognition(status: .ok, intent: nil, actions: [], speech: "")
            r.interpret(line, command: command, context: CommandContext(), into: &result)
            return result
        }
        // Not everything in the study (the guide went back from a lamp the home lacks, or the
        // model left the kind out).
        let widened = outcome("HassTurnOn area Study")
        #expect(widened.status == .rejected && widened.actions.isEmpty)
        #expect(outcome("HassTurnOff name all; area Study", "turn off all the study fans").status == .rejected)
        #expect(outcome("HassTurnOn area Study; domain light").status == .ok)
        #expect(outcome("HassTurnOff name all; area Study; domain fan", "turn off all the study fans").status == .ok)
        // `all` is said of fans only (the data's convention): not of lights, not of everything.
        #expect(outcome("HassTurnOff name all; area Study; domain light", "turn off all the study lights").status == .rejected)
        #expect(outcome("HassTurnOn name Desk Lamp", "desk lamp on").status == .ok)
        // A lock said: nothing but a lock is switched ("lock the workshop door" must not open it).
        #expect(outcome("HassTurnOn name Workshop Door", "lock the workshop door").status == .rejected)
        #expect(outcome("HassTurnOn area Workshop; domain cover", "lock the workshop doors").status == .rejected)
        #expect(outcome("HassTurnOn name Patio Gate", "lock the patio gate").status == .ok)
    }

    @Test func aTimersCommandMadeUpWholeIsLeftOut() throws {
        let r = try Self.tiny()
        func outcome(_ line: String, _ command: String) -> Recognition {
            var result = Recognition(status: .ok, intent: nil, actions: [], speech: "")
            r.interpret(line, command: command, context: CommandContext(), into: &result)
            return result
        }
        let plain = outcome("HassStartTimer hours 1; minutes 37; seconds 5; conversation_command stop the tv",
                            "Timer for 1 hours and 37-minute 5-seconds")
        #expect(plain.status == .ok && plain.intent == Intent(name: "HassStartTimer", slots: ["hours": .number(1), "minutes": .number(37), "seconds": .number(5)]))
        let named = outcome("HassStartTimer name bread; minutes 45; conversation_command open the curtains", "45 minute timer called bread")
        #expect(named.intent?.slots["name"] == .string("bread") && named.intent?.slots["conversation_command"] == nil)
        // A garbled copy of a command that is said is refused, not dropped: the speaker asked for more than a timer.
        #expect(outcome("HassStartTimer minutes 5; conversation_command lock the door", "open the garage door in 5 minutes").status == .rejected)
        #expect(outcome("HassStartTimer minutes 5; conversation_command open the garage door", "open the garage door in 5 minutes").status == .ok)
        // Only where a timer is asked for: a delayed command is not silently a plain timer.
        #expect(outcome("HassStartTimer minutes 10; conversation_command stop the media player", "in 10 minutes kill music").status == .rejected)
        // Only a timer's: an item made up is still refused.
        #expect(outcome("HassShoppingListAddItem item bread", "add milk to the list").status == .rejected)
    }

    @Test func aLineTakenOverTheModelsNoneAsksAboutOrStartsWhatTheCommandNames() throws {
        let r = try Self.tiny()
        func outcome(_ line: String, _ command: String) -> Recognition {
            var result = Recognition(status: .ok, intent: nil, actions: [], speech: "")
            r.interpret(line, command: command, context: CommandContext(), noneOverruled: true, into: &result)
            return result
        }
        #expect(outcome("HassGetState name Reading Lamp", "is the reading lamp on").status == .ok)
        // No switch thrown on a guess: "recommend a podcast for the study radio".
        let switched = outcome("HassTurnOn name Study Radio", "recommend a podcast for the study radio")
        #expect(switched.status == .rejected && switched.actions.isEmpty)
        // The model narrowly refused small talk that names the nursery window; its best intent
        // acts on the nursery's lights, which the command names as no device.
        let lights = outcome("HassTurnOn area Nursery; domain light", "can a nursery window be too bright")
        #expect(lights.status == .rejected && lights.actions.isEmpty)
        #expect(outcome("HassTurnOn name all; domain light", "is the reading lamp too bright").status == .rejected)
        // A scene or script the command names whole and asks for is started; asked about, it is not.
        #expect(outcome("HassTurnOn name Movie Night; domain scene", "movie night on").status == .ok)
        #expect(outcome("HassTurnOn name Goodnight Routine; domain script", "can you run the goodnight routine").status == .ok)
        #expect(outcome("HassTurnOn name Movie Night; domain scene", "what songs are good for movie night").status == .rejected)
        #expect(outcome("HassTurnOn name Movie Night; domain scene", "hey so what is movie night").status == .rejected)
        #expect(outcome("HassTurnOn name Movie Night; domain scene", "could movie night be longer").status == .rejected)
        #expect(outcome("HassTurnOn name Movie Night; domain scene", "can you tell me about movie night").status == .rejected)
        var own = Recognition(status: .ok, intent: nil, actions: [], speech: "")
        r.interpret("HassTurnOn area Nursery; domain light", command: "nursery lights on", context: CommandContext(), into: &own)
        #expect(own.status == .ok, "the model's own line is its own")
    }

    @Test func thePromptPrefixIsPrefilledOnceAndReused() throws {
        let r = try Self.tiny()
        let first = r.recognize("switch on the reading lamp", context: CommandContext(), deadline: nil)
        _ = r.recognize("add rice to the groceries", context: CommandContext(area: "Lounge"), deadline: nil)
        let again = r.recognize("switch on the reading lamp", context: CommandContext(), deadline: nil)
        #expect(first.output == again.output)
        #expect(first.intent == again.intent)
        // A request costs its own tokens only, not the prefix's.
        let own = r.prompt.requestTokens("switch on the reading lamp", tokenizer: r.model.tokenizer).count
        #expect(first.promptTokens == own)
        #expect(r.prefixLength > 10 * own)
    }

    @Test func aPassedDeadlineTimesOut() throws {
        let r = try Self.tiny()
        let result = r.recognize("switch on the reading lamp", context: CommandContext(), deadline: Clock.now() - 1)
        #expect(result.status == .timeout)
        #expect(result.intent == nil && result.actions.isEmpty)
        #expect(result.speech == Speech.timedOut)
    }

    @Test func rejectsEmptyAndOverlongCommands() throws {
        let r = try Self.tiny()
        #expect(r.recognize("  ", context: CommandContext(), deadline: nil).status == .rejected)
        let long = String(repeating: "lights ", count: 200)
        let result = r.recognize(long, context: CommandContext(), deadline: nil)
        #expect(result.status == .error)
        #expect(result.error?.contains("too long") == true)
    }

    @Test func isUsableFromSeveralThreads() async throws {
        let r: any IntentRecognizing = try Self.tiny()
        let outputs = await withTaskGroup(of: Recognition.self) { group in
            for _ in 0..<4 {
                group.addTask { r.recognize("lights on in the dining room", context: CommandContext(), deadline: nil) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(outputs.map(\.output)).count == 1)
    }

    @Test func thePromptIsTheTemplateAroundTheHomeAndExamples() throws {
        let tokenizer = try IntentFixtures.smolTokenizer.get()
        let vocabulary = try HomeVocabulary(home: try IntentFixtures.home())
        let prompt = PromptPrefix(vocabulary: vocabulary, tokenizer: tokenizer)
        #expect(prompt.text.hasPrefix("<|im_start|>system\n"))
        #expect(prompt.text.hasSuffix("<|im_end|>\n<|im_start|>user\n"))
        #expect(prompt.suffix == "<|im_end|>\n<|im_start|>assistant\n")
        for name in ["Dining Chandelier/Chandelier", "Lounge (Downstairs)", "HassVacuumReturnToBase",
                     "<|im_start|>assistant\nHassTurnOn name Dining Chandelier<|im_end|>", "<|im_start|>assistant\nnone<|im_end|>"] {
            #expect(prompt.text.contains(name), "\(name)")
        }
        // Every example line is one the grammar accepts.
        let grammar = try IntentGrammar.build(vocabulary)
        for (_, line) in PromptPrefix.examples(vocabulary) {
            let s = grammar.walk(grammar.start, Array(line.utf8))
            #expect(s >= 0 && grammar.isAccepting(s), "\(line)")
        }
        let bare = PromptPrefix(vocabulary: vocabulary, tokenizer: tokenizer, examples: false)
        #expect(bare.tokens.count < prompt.tokens.count && !bare.text.contains("<|im_start|>assistant"))
        // A spoken control token stays text.
        let request = prompt.requestTokens("say <|im_end|> please", tokenizer: tokenizer)
        #expect(request.filter { $0 == tokenizer.tokenID(for: "<|im_end|>") }.count == 1)
    }

    @Test func examplesCanBeLeftOut() throws {
        let model = try LanguageModel(path: try IntentFixtures.tinyModelPath.get())
        let r = try IntentRecognizer(model: model, home: try IntentFixtures.home(), agentArea: nil,
                                     options: .init(promptExamples: false))
        #expect(r.prefixLength < (try Self.tiny().prefixLength))
        expectValidLine(r.recognize("lights on", context: CommandContext(), deadline: nil).output, r.vocabulary)
    }

    // MARK: The real model

    /// Runs a few fixture commands end to end and prints what the model said: the base model is
    /// not fine-tuned for this syntax, so only validity is asserted.
    static let q8Recognizer: Result<IntentRecognizer, any Error> = Result {
        try IntentRecognizer(model: try IntentFixtures.model(IntentFixtures.q8Path), home: try IntentFixtures.home(),
                             agentArea: "Lounge")
    }

    static func runRealModel(_ r: IntentRecognizer) throws -> [Recognition] {
        let path = r.model.file.path
        var results: [Recognition] = []
        var exact = 0
        let cases = try IntentFixtures.commands()
        let picked = [0, 10, 17, 37, 41, 48].map { cases[$0] }
        for c in picked {
            let result = r.recognize(c.text, context: c.context, deadline: nil)
            #expect(result.status == .ok || result.status == .rejected, "\(c.text): \(result.status) \(result.error ?? "")")
            expectValidLine(result.output, r.vocabulary)
            if result.intent?.name == c.gold?.name && Evaluation.slotsMatch(c.gold?.slots ?? [:], result.intent?.slots ?? [:]) {
                exact += 1
            }
            print("[\((path as NSString).lastPathComponent)] \(c.text) -> \(result.output) | \(result.speech) (\(result.generatedTokens) tokens, \(result.forcedTokens) forced, \(result.decodeSteps) steps)")
            results.append(result)
        }
        print("[\((path as NSString).lastPathComponent)] exact matches: \(exact)/\(picked.count) (recorded, not asserted)")
        return results
    }

    @Test func q8ModelEndToEnd() throws {
        let results = try Self.runRealModel(try Self.q8Recognizer.get())
        #expect(results.contains { $0.intent != nil })
        for result in results where result.intent != nil {
            #expect(result.forcedTokens > 0 && result.decodeSteps < result.generatedTokens)
        }
    }

    @Test func ternaryModelStillWritesValidLines() throws {
        let model = try IntentFixtures.model(IntentFixtures.ternaryPath)
        _ = try Self.runRealModel(try IntentRecognizer(model: model, home: try IntentFixtures.home(), agentArea: "Lounge"))
    }

    @Test func q8ModelTimesOut() throws {
        let r = try Self.q8Recognizer.get()
        let result = r.recognize("switch on the reading lamp", context: CommandContext(), deadline: Clock.now())
        #expect(result.status == .timeout)
    }
}

/// `--unconstrained`: the model decodes on its own and its line is parsed afterwards.
@Suite struct UnconstrainedDecodingTests {
    @Test func aRandomModelsLinesAreNeverActedOnWhenTheyDoNotParse() throws {
        let model = try LanguageModel(path: try IntentFixtures.tinyModelPath.get())
        let r = try IntentRecognizer(model: model, home: try IntentFixtures.home(), agentArea: nil,
                                     options: .init(maxOutputTokens: 12, constrained: false))
        var unparseable = 0
        for c in try IntentFixtures.commands().prefix(6) {
            let result = r.recognize(c.text, context: c.context, deadline: nil)
            #expect(result.generatedTokens <= 12)
            if (try? OutputSyntax.parse(result.output)) == nil {
                unparseable += 1
                #expect(result.status == .error)
                #expect(result.actions.isEmpty)
                // An error never counts as right, even against a negative.
                let p = EvalPrediction(evalCase: EvalCase(line: 1, text: c.text, gold: nil, context: CommandContext(), home: nil),
                                       recognition: result, latencyMilliseconds: 0)
                #expect(!p.intentCorrect)
            }
        }
        #expect(unparseable > 0, "a random model's free text should not parse")
    }
}
