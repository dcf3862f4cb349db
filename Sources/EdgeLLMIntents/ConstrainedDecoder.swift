import EdgeLLMEngine
import EdgeLLMTokenizer

/// What one constrained generation produced and cost.
public struct DecodeOutcome: Sendable, Equatable {
    /// The output line (without its terminator).
    public var line: String
    public var promptTokens = 0
    /// Every token of the line: chosen by the model or forced by the grammar.
    public var generatedTokens = 0
    public var forcedTokens = 0
    /// Tokens the model chose (its end-of-turn token included).
    public var modelChoices = 0
    /// Forward passes after the prompt: one per model choice that had to be fed back.
    public var decodeSteps = 0
    /// Forward passes (the prompt's included) that computed only the allowed rows of the head.
    public var selectiveHeadPasses = 0
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    public var timedOut = false
    /// The token budget ran out and the grammar's shortest completion finished the line.
    public var truncated = false
    /// Slots the mention guide went back on (`MentionGuide`): each throws away the forward passes
    /// since the slot began and costs one more.
    public var rewinds = 0
    /// The model put `none` first, narrowly, for a command that names one of the home's devices,
    /// and its best intent was taken instead (`MentionGuide.saysName`).
    public var noneOverruled = false
}

/// Greedy decoding under a TokenGrammar on a Session whose KV cache holds a fixed prompt prefix.
///
/// Each step: pick the most likely allowed token, append whatever the grammar then forces, and
/// feed them all in one batch; where the grammar allows few tokens, only their rows of the output
/// head are computed. Decoding stops as soon as the line is complete. Not thread-safe: one
/// generation at a time (IntentRecognizer serialises).
final class ConstrainedDecoder {
    let session: Session
    let grammar: TokenGrammar
    let tokenizer: BPETokenizer
    let prefixLength: Int
    let maxOutputTokens: Int
    /// Head rows are computed selectively when a state allows at most this many tokens.
    let headRowsLimit: Int

    private var batch: [Int32] = []
    private var output: [UInt8] = []

    /// Where the latest slot began, for the guide to go back to: the decoder's state then and the
    /// choices the model had, with their scores.
    private struct SlotStart {
        var state: Int32
        var outputCount: Int
        var position: Int
        var generatedTokens: Int
        var forcedTokens: Int
        var choices: [(token: Int32, next: Int32, logit: Float)]
        /// Keys already gone back on here, and the choices already taken here.
        var excluded: Set<[UInt8]> = []
        var taken: Set<Int32> = []
    }

    /// Going back is rare (a few in a hundred commands); this bounds what one line may cost.
    private static let rewindLimit = 4

    init(session: Session, grammar: TokenGrammar, prefixLength: Int, maxOutputTokens: Int, headRowsLimit: Int) {
        self.session = session
        self.grammar = grammar
        tokenizer = session.model.tokenizer
        self.prefixLength = prefixLength
        self.maxOutputTokens = maxOutputTokens
        self.headRowsLimit = headRowsLimit
        batch.reserveCapacity(256)
        output.reserveCapacity(256)
    }

    /// Generates the line for `request` (the command's tokens, after the cached prefix).
    ///
    /// With `target`, each choice takes the allowed token that spells the most of the target's
    /// next bytes instead of the most likely one (tests drive the decoder along a known line).
    ///
    /// With a `guide`, names, areas and floors are chosen among those the command says where the
    /// grammar leaves a way to one (`MentionGuide`).
    func run(request: [Int32], deadline: Double?, target: [UInt8]? = nil,
             guide: MentionGuide? = nil) throws(EngineError) -> DecodeOutcome {
        var guide = guide
        var outcome = DecodeOutcome(line: "")
        let start = Clock.now()
        session.rewind(to: prefixLength)
        output.removeAll(keepingCapacity: true)
        batch.removeAll(keepingCapacity: true)
        batch += request
        outcome.promptTokens = request.count

        var state = grammar.start
        appendForced(&state, &outcome)
        guard !batch.isEmpty else { throw EngineError("nothing to feed: the request has no tokens") }
        var logits = try feed(rowsOf: state, &outcome)
        let prefillEnd = Clock.now()
        outcome.prefillSeconds = prefillEnd - start

        var slotStart: SlotStart?
        // Where a slot gone back to began: until it closes, its value must be one the command says
        // (the model's own `all` or speaker's area would widen a refused line into an action).
        var rewoundSlot: Int?
        // Whether the line went back from a value the command does not say other than `name all`.
        var wentBackFromAName = false
        while !grammar.isComplete(state) {
            if let deadline, Clock.now() > deadline {
                outcome.timedOut = true
                break
            }
            // The token budget, or (never for grammars built here) a state with no token on.
            if outcome.generatedTokens >= maxOutputTokens || grammar.choices(state).tokens.isEmpty {
                output += grammar.bytes.shortestCompletion(from: state)
                outcome.truncated = true
                break
            }
            if let guide, target == nil, guide.atSlotStart(output) {
                slotStart = checkpoint(logits, in: state, outcome)
            }
            if let start = rewoundSlot, output[start...].contains(UInt8(ascii: ";")) { rewoundSlot = nil }
            var (token, next, stoodAside) = target.map { steer(toward: $0, in: state) }.map { ($0.0, $0.1, false) }
                ?? choose(logits, in: state, guide: guide, strict: rewoundSlot != nil)
            if let guide, target == nil, output.isEmpty, guide.saysName, let intent = overrulingNone(token, logits, in: state, guide) {
                (token, next) = intent
                outcome.noneOverruled = true
            }
            if slotStart?.outputCount == output.count { slotStart?.taken.insert(token) }
            if stoodAside, !tokenizer.isEndOfGeneration(token), let guide, var start = slotStart, outcome.rewinds < Self.rewindLimit,
               case let written = output + grammar.spelling(of: token),
               let key = guide.guidedKey(ofValueIn: written), MentionGuide.isSlot(key, written[start.outputCount...]) {
                // The guide stood aside on this slot's value: go back to where the slot began and
                // take the model's best slot there that has a said value instead.
                start.excluded.insert(key)
                let before = Array(output[..<start.outputCount])
                if let alternative = start.choices.first(where: { choice in
                    guard !start.taken.contains(choice.token), !tokenizer.isEndOfGeneration(choice.token) else { return false }
                    let bytes = grammar.spelling(of: choice.token)
                    return guide.beginsSaidSlot(before, appending: bytes, excluding: start.excluded)
                        && guide.permits(before, appending: bytes, endsLine: false, redirect: true)
                }) {
                    if !MentionGuide.writesAll(written) { wentBackFromAName = true }
                    session.rewind(to: start.position)
                    output.removeSubrange(start.outputCount...)
                    state = start.state
                    outcome.generatedTokens = start.generatedTokens
                    outcome.forcedTokens = start.forcedTokens
                    outcome.rewinds += 1
                    (token, next) = (alternative.token, alternative.next)
                    start.taken.insert(token)
                    slotStart = start
                    rewoundSlot = start.outputCount
                }
            }
            // A line gone back on from a device the home lacks says what kind of device of its
            // own accord or is refused: "activate dusty lamp at floor 1!" is not every light on
            // floor 1. One gone back on from `all` wanted every device of a kind: it keeps the rule.
            if wentBackFromAName { guide?.addsKind = false }
            outcome.modelChoices += 1
            if tokenizer.isEndOfGeneration(token) { break }
            batch.removeAll(keepingCapacity: true)
            append(CollectionOfOne(token), forced: false, &outcome)
            state = next
            appendForced(&state, &outcome)
            if grammar.isComplete(state) { break }
            logits = try feed(rowsOf: state, &outcome)
            outcome.decodeSteps += 1
        }
        outcome.decodeSeconds = Clock.now() - prefillEnd
        if output.last == ByteGrammar.terminator { output.removeLast() }
        outcome.line = String(decoding: output, as: UTF8.self)
        return outcome
    }

    /// Plain greedy decoding over the whole vocabulary, no grammar: how the model does on its own
    /// (`edgellm eval --unconstrained`). Stops at the end-of-turn token, a line break or the budget.
    func runUnconstrained(request: [Int32], deadline: Double?) throws(EngineError) -> DecodeOutcome {
        var outcome = DecodeOutcome(line: "")
        let start = Clock.now()
        session.rewind(to: prefixLength)
        output.removeAll(keepingCapacity: true)
        guard !request.isEmpty else { throw EngineError("nothing to feed: the request has no tokens") }
        outcome.promptTokens = request.count
        var logits = try session.feed(request)
        let prefillEnd = Clock.now()
        outcome.prefillSeconds = prefillEnd - start
        var greedy = GreedySampler()
        while outcome.generatedTokens < maxOutputTokens {
            if let deadline, Clock.now() > deadline {
                outcome.timedOut = true
                break
            }
            let token = greedy.sample(logits)
            outcome.modelChoices += 1
            if tokenizer.isEndOfGeneration(token) { break }
            let bytes = tokenizer.tokenBytes(token)
            if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                output += bytes[..<newline]
                break
            }
            output += bytes
            outcome.generatedTokens += 1
            logits = try session.feed([token])
            outcome.decodeSteps += 1
        }
        outcome.truncated = outcome.generatedTokens >= maxOutputTokens
        outcome.decodeSeconds = Clock.now() - prefillEnd
        outcome.line = String(decoding: output, as: UTF8.self)
        return outcome
    }

    /// Appends what the grammar forces from `state` on. A forced run can end where another one
    /// starts (the tokenizer may spell a run's tail differently on its own), hence the loop; each
    /// run moves forward through the line, so it ends.
    private func appendForced(_ state: inout Int32, _ outcome: inout DecodeOutcome) {
        while !grammar.isComplete(state), let (tokens, end) = grammar.forced(state) {
            append(tokens, forced: true, &outcome)
            state = end
        }
    }

    private func append<C: Collection>(_ tokens: C, forced: Bool, _ outcome: inout DecodeOutcome) where C.Element == Int32 {
        for t in tokens {
            batch.append(t)
            output += grammar.spelling(of: t)
        }
        outcome.generatedTokens += tokens.count
        if forced { outcome.forcedTokens += tokens.count }
    }

    /// The decoder where a slot begins, with the model's choices there best first.
    private func checkpoint(_ logits: UnsafeMutableBufferPointer<Float>, in state: Int32, _ outcome: DecodeOutcome) -> SlotStart {
        let (tokens, next) = grammar.choices(state)
        let choices = tokens.indices.map { (token: tokens[$0], next: next[$0], logit: logits[Int(tokens[$0])]) }
            .sorted { $0.logit > $1.logit }
        return SlotStart(state: state, outputCount: output.count, position: session.position,
                         generatedTokens: outcome.generatedTokens, forcedTokens: outcome.forcedTokens, choices: choices)
    }

    /// The allowed token with the highest logit (the lowest id on ties, as argmax); with a guide,
    /// the highest the guide permits, or the highest of all when it permits none — `stoodAside`
    /// when that one is not even the model's own to write. `strict`: the model's own choice too
    /// must lead to a value the command says.
    private func choose(_ logits: UnsafeMutableBufferPointer<Float>, in state: Int32,
                        guide: MentionGuide?, strict: Bool) -> (Int32, Int32, stoodAside: Bool) {
        let (tokens, next) = grammar.choices(state)
        var best = tokens.startIndex
        var bestValue = -Float.infinity
        for i in tokens.indices {
            let v = logits[Int(tokens[i])]
            if v > bestValue {
                bestValue = v
                best = i
            }
        }
        guard let guide, !permits(tokens[best], then: next[best], guide, redirect: strict) else { return (tokens[best], next[best], false) }
        // Rarely reached (the model's own choice is usually permitted), so a sort is cheap enough.
        let ranked = tokens.indices.sorted { a, b in
            let (x, y) = (logits[Int(tokens[a])], logits[Int(tokens[b])])
            return x > y || (x == y && a < b)
        }
        for i in ranked.dropFirst() where permits(tokens[i], then: next[i], guide, redirect: true) { return (tokens[i], next[i], false) }
        // Strict, the model's own choice may still be its own to write (`all`, the speaker's area).
        return (tokens[best], next[best], !strict || !permits(tokens[best], then: next[best], guide, redirect: false))
    }

    /// Where the model's choice begins `none` and its best intent the guide permits scores within
    /// `MentionGuide.noneLead` of it, that intent's first token.
    private func overrulingNone(_ chosen: Int32, _ logits: UnsafeMutableBufferPointer<Float>, in state: Int32,
                                _ guide: MentionGuide) -> (Int32, Int32)? {
        guard MentionGuide.beginsNone(grammar.spelling(of: chosen)) else { return nil }
        let (tokens, next) = grammar.choices(state)
        var best: Int?
        for i in tokens.indices where !tokenizer.isEndOfGeneration(tokens[i])
            && !MentionGuide.beginsNone(grammar.spelling(of: tokens[i])) && permits(tokens[i], guide, redirect: false) {
            if best.map({ logits[Int(tokens[i])] > logits[Int(tokens[$0])] }) ?? true { best = i }
        }
        guard let best, logits[Int(chosen)] - logits[Int(tokens[best])] < MentionGuide.noneLead else { return nil }
        return (tokens[best], next[best])
    }

    /// `permits`, and where the token ends a slot, some token the grammar allows after it: a ";"
    /// before nothing but slots the guide refuses ("HassTurnOn name Roman shade;", where only an
    /// unsaid area or floor may follow) would leave the guide nowhere to go but aside.
    private func permits(_ token: Int32, then next: Int32, _ guide: MentionGuide, redirect: Bool) -> Bool {
        guard permits(token, guide, redirect: redirect) else { return false }
        // Most tokens end in a letter: no slot ends, and no copy of the line is needed to say so.
        let bytes = grammar.spelling(of: token)
        guard let last = bytes.last, last == Self.semicolon || last == Self.space else { return true }
        return leadsOn(output + bytes, next, guide, redirect: redirect)
    }

    /// Whether, where `line` has just ended a slot (";" or "; "), the guide permits some way on
    /// that the grammar allows: the bytes it forces, then a token it offers.
    private func leadsOn(_ line: [UInt8], _ state: Int32, _ guide: MentionGuide, redirect: Bool) -> Bool {
        guard MentionGuide.endsSlot(line) else { return true }
        var line = line
        var state = state
        while !grammar.isComplete(state), let (tokens, end) = grammar.forced(state) {
            let bytes = tokens.flatMap { grammar.spelling(of: $0) }
            guard guide.permits(line, appending: bytes, endsLine: false, redirect: redirect) else { return false }
            line += bytes
            state = end
        }
        guard MentionGuide.endsSlot(line) else { return true }
        let (tokens, next) = grammar.choices(state)
        return tokens.indices.contains { i in
            guard !tokenizer.isEndOfGeneration(tokens[i]) else { return false }
            let bytes = grammar.spelling(of: tokens[i])
            return guide.permits(line, appending: bytes, endsLine: false, redirect: redirect)
                && leadsOn(line + bytes, next[i], guide, redirect: redirect)
        }
    }

    private static let semicolon = UInt8(ascii: ";")
    private static let space = UInt8(ascii: " ")

    private func permits(_ token: Int32, _ guide: MentionGuide, redirect: Bool) -> Bool {
        tokenizer.isEndOfGeneration(token)
            ? guide.permits(output, appending: EmptyCollection(), endsLine: true, redirect: redirect)
            : guide.permits(output, appending: grammar.spelling(of: token), endsLine: false, redirect: redirect)
    }

    private func steer(toward target: [UInt8], in state: Int32) -> (Int32, Int32) {
        let (tokens, next) = grammar.choices(state)
        let rest = target.dropFirst(output.count)
        var best = tokens.startIndex
        var bestLength = -1
        for i in tokens.indices {
            let bytes = tokenizer.tokenBytes(tokens[i])
            if bytes.count > bestLength, rest.starts(with: bytes) {
                best = i
                bestLength = bytes.count
            } else if bestLength < 0, rest.isEmpty, tokenizer.isEndOfGeneration(tokens[i]) {
                best = i
                bestLength = 0
            }
        }
        return (tokens[best], next[best])
    }

    /// Feeds `batch` and returns the logits after its last token, computing only the head rows
    /// `state` allows when they are few. Chunks before the last compute no head rows at all.
    private func feed(rowsOf state: Int32, _ outcome: inout DecodeOutcome) throws(EngineError) -> UnsafeMutableBufferPointer<Float> {
        guard batch.count <= session.remainingContext else {
            throw EngineError("context full: \(batch.count) tokens do not fit in the \(session.remainingContext) positions left")
        }
        let transformer = session.transformer
        let cache = session.cache
        let vocab = session.model.config.vocabSize
        let selective = grammar.choices(state).tokens.count <= headRowsLimit
        if selective { outcome.selectiveHeadPasses += 1 }
        var logits: UnsafeMutablePointer<Float>?
        batch.withUnsafeBufferPointer { all in
            var i = 0
            while i < all.count {
                let n = min(transformer.maxBatch, all.count - i)
                let chunk = UnsafeBufferPointer(rebasing: all[i..<i + n])
                i += n
                if i < all.count {
                    logits = transformer.forward(chunk, cache: cache, headRows: UnsafeBufferPointer(start: nil, count: 0))
                } else if selective {
                    logits = grammar.withRows(state) { transformer.forward(chunk, cache: cache, headRows: $0) }
                } else {
                    logits = transformer.forward(chunk, cache: cache)
                }
            }
        }
        return UnsafeMutableBufferPointer(start: logits!, count: vocab)
    }
}
