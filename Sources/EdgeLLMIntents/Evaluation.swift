import EdgeLLMEngine
import FoundationEssentials

/// One evaluation sentence: `{"text", "intent", "slots", "context"?}` per JSON line. A null
/// intent marks a negative (not a command for the home). Lines of Home Assistant's test set
/// converted with `"home": "local"` carry their own small home in `local_home`.
public struct EvalCase: Sendable, Equatable {
    public var line: Int
    public var text: String
    public var gold: Intent?
    public var context: CommandContext
    /// The line's own home, when it has one.
    public var home: Home?
}

/// A recognizer's answer to one case.
public struct EvalPrediction: Sendable {
    public var evalCase: EvalCase
    public var recognition: Recognition
    public var latencyMilliseconds: Double

    public var predicted: Intent? { recognition.intent }
    /// An error (an unparseable line, when decoding is unconstrained) is never right, not even for a negative.
    public var intentCorrect: Bool { recognition.status != .error && evalCase.gold?.name == predicted?.name }
    public var exact: Bool { intentCorrect && Evaluation.slotsMatch(evalCase.gold?.slots ?? [:], predicted?.slots ?? [:]) }
}

/// Exact-match accuracy of intent and of intent + slots, overall and per gold intent.
public struct EvalReport: Sendable, Equatable {
    public struct Counts: Sendable, Equatable {
        public var n = 0
        public var intentCorrect = 0
        public var exact = 0
        public var intentAccuracy: Double { n > 0 ? Double(intentCorrect) / Double(n) : 0 }
        public var exactMatch: Double { n > 0 ? Double(exact) / Double(n) : 0 }
    }

    public var total = Counts()
    /// Keyed by gold intent name; negatives under "none".
    public var perIntent: [String: Counts] = [:]
    public var latencyP50 = 0.0
    public var latencyP99 = 0.0
    /// Cases evaluated against their own home.
    public var localHomeCases = 0
    public var localHomes = 0

    public init(_ predictions: [EvalPrediction]) {
        for p in predictions {
            let key = p.evalCase.gold?.name ?? OutputSyntax.none
            var c = perIntent[key] ?? Counts()
            c.n += 1
            total.n += 1
            if p.intentCorrect {
                c.intentCorrect += 1
                total.intentCorrect += 1
            }
            if p.exact {
                c.exact += 1
                total.exact += 1
            }
            perIntent[key] = c
            if p.evalCase.home != nil { localHomeCases += 1 }
        }
        var homes: [Home] = []
        for p in predictions {
            if let h = p.evalCase.home, !homes.contains(h) { homes.append(h) }
        }
        localHomes = homes.count
        let latencies = predictions.map(\.latencyMilliseconds).sorted()
        latencyP50 = Evaluation.percentile(latencies, 0.5)
        latencyP99 = Evaluation.percentile(latencies, 0.99)
    }

    /// `{"n", "intent_accuracy", "exact_match", "per_intent": {NAME: {"n", "intent_accuracy",
    /// "exact_match"}}, "latency_ms": {"p50", "p99"}}`, accuracies as fractions.
    public var json: String {
        func counts(_ c: Counts) -> [(String, String)] {
            [("n", String(c.n)), ("intent_accuracy", Self.fraction(c.intentAccuracy)),
             ("exact_match", Self.fraction(c.exactMatch))]
        }
        let per = JSONText.object(perIntent.keys.sorted().map { ($0, JSONText.object(counts(perIntent[$0]!))) })
        let latency = JSONText.object([("p50", Self.milliseconds(latencyP50)), ("p99", Self.milliseconds(latencyP99))])
        return JSONText.object(counts(total) + [("per_intent", per), ("latency_ms", latency)])
    }

    public var text: String {
        func pct(_ x: Double) -> String { OutputSyntax.formatNumber((x * 1000).rounded() / 10) + "%" }
        var lines = [
            "cases: \(total.n)" + (localHomeCases > 0 ? " (\(localHomeCases) with their own home, \(localHomes) homes)" : ""),
            "intent accuracy: \(pct(total.intentAccuracy)) (\(total.intentCorrect)/\(total.n))",
            "exact match (intent + slots): \(pct(total.exactMatch)) (\(total.exact)/\(total.n))",
            "latency: p50 \(Self.milliseconds(latencyP50)) ms, p99 \(Self.milliseconds(latencyP99)) ms",
            "per intent:",
        ]
        let width = perIntent.keys.map(\.count).max() ?? 0
        for key in perIntent.keys.sorted() {
            let c = perIntent[key]!
            let padded = key + String(repeating: " ", count: width - key.count)
            lines.append("  \(padded)  n \(c.n)  intent \(pct(c.intentAccuracy))  exact \(pct(c.exactMatch))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func fraction(_ x: Double) -> String { OutputSyntax.formatNumber((x * 10000).rounded() / 10000) }
    static func milliseconds(_ x: Double) -> String { OutputSyntax.formatNumber((x * 10).rounded() / 10) }
}

/// Loading evaluation sets and comparing predictions with them.
public enum Evaluation {
    /// Reads a JSON-lines evaluation set; blank lines are skipped.
    public static func load(path: String) throws(EvalError) -> [EvalCase] {
        let bytes: [UInt8]
        do {
            bytes = try FileText.read(path)
        } catch {
            throw EvalError("cannot read '\(path)': \(error.description)")
        }
        var cases: [EvalCase] = []
        let decoder = JSONDecoder()
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            let number = index + 1
            let raw: RawLine
            do {
                raw = try decoder.decode(RawLine.self, from: Data(line))
            } catch {
                throw EvalError("\(path):\(number): invalid line: \(FileText.oneLine(error))")
            }
            let gold = raw.intent.map { Intent(name: $0, slots: raw.slots ?? [:]) }
            var home: Home?
            if raw.home == "local", let local = raw.localHome {
                do {
                    home = try local.home()
                } catch {
                    throw EvalError("\(path):\(number): invalid local_home: \(error.description)")
                }
            }
            cases.append(EvalCase(line: number, text: raw.text, gold: gold, context: CommandContext(area: raw.context?.area),
                                  home: home))
        }
        return cases
    }

    /// Same keys; text equal ignoring case; numbers (or numeric text) equal as numbers.
    public static func slotsMatch(_ gold: [String: SlotValue], _ predicted: [String: SlotValue]) -> Bool {
        guard Set(gold.keys) == Set(predicted.keys) else { return false }
        for (key, g) in gold {
            let p = predicted[key]!
            if let a = g.number, let b = p.number {
                if abs(a - b) > 1e-9 { return false }
            } else if g.text?.lowercased() != p.text?.lowercased() {
                return false
            }
        }
        return true
    }

    /// Runs every case through the recognizer for its home (`recognizer(nil)`: the set's home).
    public static func run(_ cases: [EvalCase], recognizer: (Home?) throws -> any IntentRecognizing,
                           progress: (Int) -> Void = { _ in }) rethrows -> [EvalPrediction] {
        var predictions: [EvalPrediction] = []
        predictions.reserveCapacity(cases.count)
        for (i, c) in cases.enumerated() {
            let r = try recognizer(c.home)
            let start = Clock.now()
            let recognition = r.recognize(c.text, context: c.context, deadline: nil)
            predictions.append(EvalPrediction(evalCase: c, recognition: recognition,
                                              latencyMilliseconds: (Clock.now() - start) * 1000))
            progress(i + 1)
        }
        return predictions
    }

    /// `{"text", "gold": {"intent", "slots"}, "predicted": {"intent", "slots"}, "output", "status",
    /// "latency_ms", "prompt_tokens", "generated_tokens", "forced_tokens", "decode_steps", "rewinds"}`.
    public static func predictionLine(_ p: EvalPrediction) -> String {
        func intent(_ i: Intent?) -> String {
            JSONText.object([("intent", i.map { JSONText.quoted($0.name) } ?? "null"),
                             ("slots", JSONText.slots(i?.slots ?? [:]))])
        }
        let r = p.recognition
        var fields = [("text", JSONText.quoted(p.evalCase.text)), ("gold", intent(p.evalCase.gold)),
                      ("predicted", intent(p.predicted)), ("output", JSONText.quoted(r.output)),
                      ("status", JSONText.quoted(r.status.rawValue)),
                      ("latency_ms", JSONText.number((p.latencyMilliseconds * 10).rounded() / 10)),
                      ("prompt_tokens", String(r.promptTokens)), ("generated_tokens", String(r.generatedTokens)),
                      ("forced_tokens", String(r.forcedTokens)), ("decode_steps", String(r.decodeSteps)),
                      ("rewinds", String(r.rewinds))]
        if let error = r.error { fields.append(("error", JSONText.quoted(error))) }
        return JSONText.object(fields)
    }

    /// Mean cost of a command, for the log: "12.3 prompt tokens, ...".
    public static func costSummary(_ predictions: [EvalPrediction]) -> String {
        guard !predictions.isEmpty else { return "no commands" }
        let n = Double(predictions.count)
        func mean(_ f: (Recognition) -> Double) -> String {
            OutputSyntax.formatNumber((predictions.map { f($0.recognition) }.reduce(0, +) / n * 10).rounded() / 10)
        }
        return "mean per command: \(mean { Double($0.promptTokens) }) prompt tokens (prefill \(mean(\.prefillMilliseconds)) ms), "
            + "\(mean { Double($0.generatedTokens) }) output tokens of which \(mean { Double($0.forcedTokens) }) forced, "
            + "\(mean { Double($0.decodeSteps) }) decode steps (\(mean(\.decodeMilliseconds)) ms)"
    }

    /// Whether the grammar can write the gold answer at all: its line, or its line without an
    /// area that the speaker's context supplies. An upper bound on exact match.
    public static func expressible(_ c: EvalCase, in grammar: ByteGrammar) -> Bool {
        func accepts(_ intent: Intent?) -> Bool {
            let s = grammar.walk(grammar.start, Array(OutputSyntax.serialise(intent).utf8))
            return s >= 0 && grammar.isAccepting(s)
        }
        if accepts(c.gold) { return true }
        guard var gold = c.gold, let area = c.context.area, gold.slots["area"]?.text?.lowercased() == area.lowercased() else {
            return false
        }
        gold.slots["area"] = nil
        return accepts(gold)
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    private struct RawLine: Decodable {
        var text: String
        var intent: String?
        var slots: [String: SlotValue]?
        var context: RawContext?
        var home: String?
        var localHome: LocalHome?

        enum CodingKeys: String, CodingKey {
            case text, intent, slots, context, home
            case localHome = "local_home"
        }
    }

    private struct RawContext: Decodable {
        var area: String?
    }

    /// The small homes of Home Assistant's per-intent tests: areas by name, entities by domain and
    /// name.
    private struct LocalHome: Decodable {
        struct Area: Decodable {
            var name: String
            var id: String?
            var floor: String?
        }
        struct Entity: Decodable {
            var name: String
            var domain: String?
            var entityID: String?
            var area: String?
            var aliases: [String]?
            var deviceClass: String?
            enum CodingKeys: String, CodingKey {
                case name, domain, area, aliases
                case entityID = "entity_id"
                case deviceClass = "device_class"
            }
        }
        var areas: [Area]?
        var entities: [Entity]?

        func home() throws(EvalError) -> Home {
            let areas = (self.areas ?? []).map { Home.Area(id: $0.id ?? Self.slug($0.name), name: $0.name, floor: $0.floor) }
            var entities: [Home.Entity] = []
            for e in self.entities ?? [] {
                guard let id = e.entityID ?? e.domain.map({ "\($0).\(Self.slug(e.name))" }) else {
                    throw EvalError("entity '\(e.name)' has neither entity_id nor domain")
                }
                entities.append(Home.Entity(entityID: id, name: e.name, area: e.area, aliases: e.aliases,
                                            deviceClass: e.deviceClass))
            }
            return Home(areas: areas, entities: entities)
        }

        static func slug(_ s: String) -> String {
            String(s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
        }
    }
}

/// An evaluation set that cannot be used, in one line (with the file and line number).
public struct EvalError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
