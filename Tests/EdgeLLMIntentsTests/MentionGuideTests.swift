import Testing
@testable import EdgeLLMIntents

/// The guide on the committed fixture home (Tests/Fixtures/intents/home.json), byte by byte as
/// the decoder asks it, then steering the tiny random model's decoding.
struct MentionGuideTests {
    static func guide(_ command: String, area: String? = nil) throws -> MentionGuide {
        MentionGuide(command: command, vocabulary: try HomeVocabulary(home: IntentFixtures.home()), contextArea: area)
    }

    static func permits(_ guide: MentionGuide, _ line: String, _ next: String, endsLine: Bool = false,
                        redirect: Bool = false) -> Bool {
        guide.permits(Array(line.utf8), appending: Array(next.utf8), endsLine: endsLine, redirect: redirect)
    }

    @Test func aValueMayOnlyStartAsOneTheCommandSays() throws {
        let g = try Self.guide("pause the lounge speaker please")
        #expect(Self.permits(g, "HassMediaPause name", " Lounge"))
        #expect(Self.permits(g, "HassMediaPause name Lounge", " Speaker"))
        #expect(!Self.permits(g, "HassMediaPause name", " Study"))
        #expect(Self.permits(g, "HassMediaPause name Lounge", " Sp"))
        // Whole where it ends: at the end of the line or at the next slot.
        #expect(Self.permits(g, "HassMediaPause name Lounge Speaker", "", endsLine: true))
        #expect(!Self.permits(g, "HassMediaPause name Lounge", "", endsLine: true))
        #expect(!Self.permits(g, "HassMediaPause name Lounge", "\n"))
        #expect(Self.permits(g, "HassTurnOn name Reading Lamp; area Lounge", ";"), "an earlier slot is not judged again")
    }

    @Test func noFurtherTargetSlotOnceTheLineNamesSomethingSaid() throws {
        let g = try Self.guide("turn on the reading lamp")
        #expect(!Self.permits(g, "HassTurnOn name Reading Lamp;", " area"), "no area is said")
        #expect(!Self.permits(g, "HassTurnOn name Reading Lamp;", " fl"), "no floor is said, and only \"floor\" starts so")
        #expect(Self.permits(g, "HassTurnOn name Reading Lamp;", " domain"), "other slots are not guided")
        // Before the line names something said, the model's slot is its own: a command about
        // something this home lacks must not lose its target and be acted on in the speaker's area.
        #expect(Self.permits(g, "HassTurnOn", " area"))
        #expect(Self.permits(g, "HassTurnOn name all;", " area"), "all is not something said")
        #expect(Self.permits(try Self.guide("turn on all the cinema room fans"), "HassTurnOn name all;", " area"),
                "nor when the command says it: all the fans of an area the home lacks are not all the fans")
    }

    @Test func aRedirectLeadsOnlyToAValueTheCommandSays() throws {
        let g = try Self.guide("everything off", area: "Study")
        // The model may write `all` or the speaker's area of its own accord ...
        #expect(Self.permits(g, "HassTurnOff name", " all"))
        #expect(Self.permits(g, "HassTurnOff name all; area", " Study"))
        #expect(!Self.permits(g, "HassTurnOff name all; area", " Lounge"))
        // ... but is never steered there, nor to the bare space before a value.
        #expect(!Self.permits(g, "HassTurnOff name", " all", redirect: true))
        #expect(!Self.permits(try Self.guide("turn off all the garage lights"), "HassTurnOff name", " all", redirect: true),
                "not even when the command says all")
        #expect(!Self.permits(g, "HassTurnOff name all; area", " Study", redirect: true))
        let lamp = try Self.guide("reading lamp on")
        #expect(Self.permits(lamp, "HassTurnOn name", " Reading", redirect: true))
        #expect(!Self.permits(lamp, "HassTurnOn name", " ", redirect: true))
        #expect(Self.permits(lamp, "HassTurnOn name", " "))
    }

    @Test func freeTextIsNotGuided() throws {
        #expect(Self.permits(try Self.guide("set a pizza timer"), "HassStartTimer minutes 5; name", " pizza"))
        #expect(Self.permits(try Self.guide("add milk"), "HassShoppingListAddItem item", " bread", redirect: true))
    }

    @Test func numbersPluralsAndPossessivesCountAsSaid() throws {
        let g = try Self.guide("close the lounge blind")
        #expect(Self.permits(g, "HassSetPosition name", " Lounge Blinds"))
        #expect(Self.permits(try Self.guide("the lounge's speakers off"), "HassMediaPause name", " Lounge Speaker", endsLine: true))
    }

    @Test func linesAreStillWrittenWhenTheCommandNamesNothingHere() throws {
        let r = try RecognizerTests.tiny()
        #expect(r.options.guideMentions)
        let result = r.recognize("pause the granny flat music", context: CommandContext(), deadline: nil)
        #expect(result.status != .error)
        expectValidLine(result.output, r.vocabulary)
    }

    /// The shipped ternary model on two held-out homes of the generated test split where it
    /// reaches for names the commands do not say (Tests/Fixtures/intents/mention_guide.jsonl,
    /// picked by scripts/fixtures/make_mention_guide_fixture.py; the gold is the data
    /// generator's). Measured when the fixture was made: 62 of 70 exact guided, 54 without.
    @Test func theShippedModelGetsMoreCommandsRightGuided() throws {
        let model = try IntentFixtures.model(IntentFixtures.shippedTernaryPath)
        let cases = try Evaluation.load(path: IntentFixtures.mentionGuidePath)
        var recognizers: [String: IntentRecognizer] = [:]
        func run(guided: Bool) throws -> [EvalPrediction] {
            try Evaluation.run(cases) { home in
                let home = try #require(home)
                let key = "\(guided) \(home.areas.map(\.id)) \(home.entities.map(\.entityID))"
                if let r = recognizers[key] { return r }
                let r = try IntentRecognizer(model: model, home: home, agentArea: nil, options: .init(guideMentions: guided))
                recognizers[key] = r
                return r
            }
        }
        let guided = try run(guided: true), unguided = try run(guided: false)
        let right = (guided: guided.filter(\.exact).count, unguided: unguided.filter(\.exact).count)
        print("mention guide fixture: exact \(right.guided) of \(cases.count) guided, \(right.unguided) unguided")
        #expect(right.guided >= 60, "\(right)")
        for (g, u) in zip(guided, unguided) {
            #expect(g.exact || !u.exact, "the guide lost \(g.evalCase.text): \(g.recognition.output)")
            expectValidLine(g.recognition.output, try HomeVocabulary(home: try #require(g.evalCase.home)))
            // A command about something this home lacks still comes to no action.
            if g.evalCase.gold == nil { #expect(g.recognition.intent == nil, "\(g.evalCase.text): \(g.recognition.output)") }
        }
    }
}
