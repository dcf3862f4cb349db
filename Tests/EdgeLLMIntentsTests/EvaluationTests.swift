import Foundation
import Testing
@testable import EdgeLLMIntents

struct EvaluationTests {
    static func write(_ text: String, _ name: String = "set.jsonl") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("edgellm-eval-\(UUID().uuidString)-\(name)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func loadsTheCommittedSet() throws {
        let cases = try IntentFixtures.commands()
        #expect(cases.count >= 40 && cases.count <= 60)
        let intents = Set(cases.compactMap { $0.gold?.name })
        #expect(intents == Set(IntentSchema.intents.map(\.name)), "every intent is covered")
        #expect(cases.filter { $0.gold == nil }.count >= 4, "several negatives")
        #expect(cases.contains { $0.context.area != nil })
        // Every gold line is one the grammar of the fixture home accepts.
        let vocabulary = try HomeVocabulary(home: try IntentFixtures.home())
        let grammar = try IntentGrammar.build(vocabulary)
        for c in cases {
            let line = OutputSyntax.serialise(c.gold)
            let s = grammar.walk(grammar.start, Array(line.utf8))
            #expect(s >= 0 && grammar.isAccepting(s), "line \(c.line): \(line)")
        }
    }

    @Test func readsNegativesContextsAndLocalHomes() throws {
        let path = try Self.write("""
            {"text": "turn on the lamp", "intent": "HassTurnOn", "slots": {"name": "Lamp", "brightness": 50}}

            {"text": "what's up", "intent": null, "slots": {}}
            {"text": "lights off", "intent": "HassTurnOff", "slots": {"domain": "light"}, "context": {"area": "Den", "domain": "light"}}
            {"text": "lamp off", "intent": "HassTurnOff", "slots": {"name": "Lamp"}, "home": "local", "local_home": {"areas": [{"name": "Den"}], "entities": [{"domain": "light", "name": "Lamp", "area": "Den"}]}}
            """)
        let cases = try Evaluation.load(path: path)
        #expect(cases.count == 4)
        #expect(cases[0].gold?.slots["brightness"] == .number(50))
        #expect(cases[1].gold == nil && cases[1].line == 3)
        #expect(cases[2].context.area == "Den")
        #expect(cases[3].home == Home(areas: [.init(id: "den", name: "Den")], entities: [.init(entityID: "light.lamp", name: "Lamp", area: "Den")]))
    }

    @Test func badInputIsOneLineWithItsPlace() throws {
        #expect(throws: EvalError("cannot read '/nonexistent/set.jsonl': No such file or directory")) {
            try Evaluation.load(path: "/nonexistent/set.jsonl")
        }
        let path = try Self.write("{\"text\": \"a\", \"intent\": null}\n{\"text\": \"b\", \"intent\": \"HassTurnOn\"}\n{\"text\": \"c\", \n")
        do {
            _ = try Evaluation.load(path: path)
            Issue.record("an invalid line was accepted")
        } catch {
            #expect(error.description.hasPrefix("\(path):3: invalid line"))
            #expect(!error.description.contains("\n"))
        }
        let noText = try Self.write("{\"intent\": null}\n")
        #expect(throws: EvalError.self) { try Evaluation.load(path: noText) }
        #expect(throws: HomeError.self) { try Home.load(path: "/nonexistent/home.json") }
        #expect(throws: HomeError.self) { try Home.load(path: try Self.write("{\"areas\": []}", "home.json")) }
    }

    @Test func comparesSlotsLikeTheSpecSays() {
        #expect(Evaluation.slotsMatch(["name": .string("Living Room Lamp")], ["name": .string("living room lamp")]))
        #expect(Evaluation.slotsMatch(["brightness": .number(50)], ["brightness": .number(50.0)]))
        #expect(Evaluation.slotsMatch(["brightness": .string("50")], ["brightness": .number(50)]))
        #expect(!Evaluation.slotsMatch(["brightness": .number(50)], ["brightness": .number(51)]))
        #expect(!Evaluation.slotsMatch(["name": .string("Lamp")], ["name": .string("Lamp"), "area": .string("Den")]))
        #expect(Evaluation.slotsMatch([:], [:]))
    }

    @Test func reportsAccuracyPerIntentAndLatency() throws {
        func prediction(_ gold: Intent?, _ predicted: Intent?, _ ms: Double) -> EvalPrediction {
            EvalPrediction(evalCase: EvalCase(line: 1, text: "t", gold: gold, context: CommandContext(), home: nil),
                           recognition: Recognition(status: .ok, intent: predicted, actions: [], speech: ""),
                           latencyMilliseconds: ms)
        }
        let on = Intent(name: "HassTurnOn", slots: ["name": .string("Lamp")])
        let onWrong = Intent(name: "HassTurnOn", slots: ["name": .string("Desk")])
        let report = EvalReport([prediction(on, on, 10), prediction(on, onWrong, 20), prediction(nil, nil, 30), prediction(nil, on, 40)])
        #expect(report.total == .init(n: 4, intentCorrect: 3, exact: 2))
        #expect(report.perIntent["HassTurnOn"] == .init(n: 2, intentCorrect: 2, exact: 1))
        #expect(report.perIntent["none"] == .init(n: 2, intentCorrect: 1, exact: 1))
        #expect(report.latencyP50 == 20 && report.latencyP99 == 40)
        #expect(report.json == """
            {"n": 4, "intent_accuracy": 0.75, "exact_match": 0.5, "per_intent": {"HassTurnOn": {"n": 2, "intent_accuracy": 1, "exact_match": 0.5}, "none": {"n": 2, "intent_accuracy": 0.5, "exact_match": 0.5}}, "latency_ms": {"p50": 20, "p99": 40}}
            """)
        #expect(report.text.contains("intent accuracy: 75% (3/4)"))
        #expect(report.text.contains("exact match (intent + slots): 50% (2/4)"))
    }
}

/// `edgellm eval` as a user runs it (the tiny model keeps it quick; the accuracy is meaningless).
@Suite(.serialized) struct EvalCommandTests {
    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ args: [String]) throws -> Output {
        var binary: String?
        for dir in [".build/debug", ".build/release"] {
            let p = IntentFixtures.packageRoot.appendingPathComponent(dir).appendingPathComponent("edgellm").path
            if FileManager.default.isExecutableFile(atPath: p) {
                binary = p
                break
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(binary, "edgellm is not built"))
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

    static func eval(_ extra: [String], data: String = IntentFixtures.commandsPath,
                     home: String = IntentFixtures.homePath) throws -> Output {
        try run(["eval", try IntentFixtures.tinyModelPath.get(), "--home", home, "--data", data] + extra)
    }

    @Test func printsAccuracyAsText() throws {
        let r = try Self.eval(["--limit", "8"])
        #expect(r.status == 0, "\(r.stderr)")
        for part in ["cases: 8", "intent accuracy: ", "exact match (intent + slots): ", "latency: p50 ", "per intent:", "  HassTurnOn"] {
            #expect(r.stdout.contains(part), "\(r.stdout)")
        }
    }

    @Test func printsJSONAndWritesPredictions() throws {
        let predictions = FileManager.default.temporaryDirectory.appendingPathComponent("edgellm-pred-\(UUID().uuidString).jsonl").path
        let r = try Self.eval(["--json", "--predictions", predictions, "--area", "Lounge"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(Set(report.keys) == ["n", "intent_accuracy", "exact_match", "per_intent", "latency_ms"])
        #expect(report["n"] as? Int == 54)
        for key in ["intent_accuracy", "exact_match"] {
            let x = try #require(report[key] as? Double)
            #expect(x >= 0 && x <= 1)
        }
        let perIntent = try #require(report["per_intent"] as? [String: [String: Any]])
        #expect(perIntent.count == IntentSchema.intents.count + 1)
        #expect(Set(perIntent["HassTurnOn"]?.keys.map { $0 } ?? []) == ["n", "intent_accuracy", "exact_match"])
        let latency = try #require(report["latency_ms"] as? [String: Double])
        #expect(Set(latency.keys) == ["p50", "p99"] && latency["p50"]! <= latency["p99"]!)

        let lines = try String(contentsOfFile: predictions, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 54)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["text"] is String)
            let gold = try #require(object["gold"] as? [String: Any])
            let predicted = try #require(object["predicted"] as? [String: Any])
            #expect(gold["slots"] is [String: Any] && predicted["slots"] is [String: Any])
            #expect(predicted["intent"] is String || predicted["intent"] is NSNull)
        }
        #expect(lines.contains { $0.contains("\"gold\": {\"intent\": null") }, "negatives are written with a null intent")
    }

    /// The agent's homes are often YAML (config/home.example.yaml): eval reads them as it does.
    @Test func readsAYAMLHome() throws {
        let yaml = IntentFixtures.packageRoot.appendingPathComponent("config/home.example.yaml").path
        let data = try EvaluationTests.write("{\"text\": \"turn on the garage fan\", \"intent\": \"HassTurnOn\", \"slots\": {\"name\": \"Garage fan\"}}\n")
        let r = try Self.eval([], data: data, home: yaml)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("cases: 1"), "\(r.stdout)")
        let broken = try EvaluationTests.write("areas: [\n", "home.yaml")
        expectOneLineError(try Self.eval([], data: data, home: broken), containing: "home \(broken)")
    }

    func expectOneLineError(_ r: Output, containing text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0, sourceLocation: sourceLocation)
        #expect(r.stderr.contains(text), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func badInputsFailWithOneLine() throws {
        expectOneLineError(try Self.eval([], data: "/nonexistent/set.jsonl"), containing: "cannot read '/nonexistent/set.jsonl'")
        let bad = try EvaluationTests.write("{\"text\": \"lamp on\", \"intent\": \"HassTurnOn\", \"slots\": {}}\nnot json\n")
        expectOneLineError(try Self.eval([], data: bad), containing: "\(bad):2: invalid line")
        expectOneLineError(try Self.eval([], home: "/nonexistent/home.json"), containing: "cannot read home file '/nonexistent/home.json'")
        let badHome = try EvaluationTests.write("{\"areas\": [], \"entities\": [{\"entity_id\": \"light.a\", \"name\": \"A;B\"}]}", "home.json")
        expectOneLineError(try Self.eval([], home: badHome), containing: "contains ';'")
        expectOneLineError(try Self.eval(["--area", "Cellar"]), containing: "agent area 'Cellar'")
    }
}
