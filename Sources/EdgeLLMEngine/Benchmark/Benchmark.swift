#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CEdgeLLMKernels
import EdgeLLMTokenizer

/// What `edgellm bench` measures.
public struct BenchmarkConfiguration: Sendable, Equatable {
    /// Tokens in each run's prompt.
    public var promptTokens = 32
    /// Decode steps per run, each one forward pass of one token and a greedy pick.
    public var generatedTokens = 64
    /// Measured runs.
    public var runs = 30
    /// Runs done first and thrown away (page cache, branch predictors, CPU frequency).
    public var warmupRuns = 2

    public init(promptTokens: Int = 32, generatedTokens: Int = 64, runs: Int = 30, warmupRuns: Int = 2) {
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.runs = runs
        self.warmupRuns = warmupRuns
    }

    /// KV cache positions one run uses: the prompt, then one per decode step.
    public var positions: Int { promptTokens + generatedTokens }
}

/// Raw measurements of a benchmark, in milliseconds where a duration.
public struct BenchmarkResult: Sendable {
    public let configuration: BenchmarkConfiguration
    public let modelPath: String
    public let modelBytes: Int
    public let threads: Int
    public let pinnedWorkers: Int
    public let weightsLocked: Bool
    public let contextLength: Int
    public let kvPrecision: KVCache.Precision
    /// The kernel implementation that ran (`scalar`, `avx2`, `neon`).
    public let kernels: String
    /// Per run: prefill of the prompt plus the pick of the first token.
    public let timeToFirstToken: [Double]
    /// Per run: prefill plus every decode step.
    public let request: [Double]
    /// Per run.
    public let prefillTokensPerSecond: [Double]
    public let decodeTokensPerSecond: [Double]
    /// Every decode step of every run, run by run.
    public let tokenLatency: [Double]
    public let peakResidentBytes: Int
    /// The tokens the first measured run generated.
    public let generated: [Int32]
    /// Whether every run generated the same tokens (it must: same prompt, greedy).
    public let sameTokensEveryRun: Bool

    public init(configuration: BenchmarkConfiguration, modelPath: String, modelBytes: Int, threads: Int,
                pinnedWorkers: Int, weightsLocked: Bool, contextLength: Int, kvPrecision: KVCache.Precision,
                kernels: String, timeToFirstToken: [Double], request: [Double], prefillTokensPerSecond: [Double],
                decodeTokensPerSecond: [Double], tokenLatency: [Double], peakResidentBytes: Int,
                generated: [Int32], sameTokensEveryRun: Bool) {
        self.configuration = configuration
        self.modelPath = modelPath
        self.modelBytes = modelBytes
        self.threads = threads
        self.pinnedWorkers = pinnedWorkers
        self.weightsLocked = weightsLocked
        self.contextLength = contextLength
        self.kvPrecision = kvPrecision
        self.kernels = kernels
        self.timeToFirstToken = timeToFirstToken
        self.request = request
        self.prefillTokensPerSecond = prefillTokensPerSecond
        self.decodeTokensPerSecond = decodeTokensPerSecond
        self.tokenLatency = tokenLatency
        self.peakResidentBytes = peakResidentBytes
        self.generated = generated
        self.sameTokensEveryRun = sameTokensEveryRun
    }
}

public enum Benchmark {
    /// The fixed text whose tokens make every prompt: ordinary English, so that the tokens are the
    /// common ones a real prompt would use.
    static let promptText = """
        The kitchen lights are on and the living room is quiet. Turn off the lights in the hallway, \
        set the thermostat to twenty degrees, and tell me whether the front door is locked. \
        Tomorrow morning, open the blinds at seven and start the coffee machine.
        """

    /// `count` prompt tokens, the same for a given tokenizer on every machine: BOS where the
    /// model wants one, then the fixed text's tokens, repeated as needed and cut at `count`.
    public static func promptTokens(count: Int, tokenizer: BPETokenizer, vocabularySize: Int) -> [Int32] {
        var tokens: [Int32] = []
        tokens.reserveCapacity(count)
        if tokenizer.config.addBOS, let bos = tokenizer.config.bosTokenID { tokens.append(bos) }
        let text = tokenizer.encode(promptText, parseSpecial: false).filter { $0 >= 0 && Int($0) < vocabularySize }
        if text.isEmpty {
            // A tokenizer that cannot spell English (a test model): any fixed ids will do.
            while tokens.count < count { tokens.append(Int32((tokens.count * 7919 + 1) % vocabularySize)) }
        }
        while tokens.count < count { tokens.append(contentsOf: text.prefix(count - tokens.count)) }
        return Array(tokens.prefix(count))
    }

    /// Runs the benchmark on `session` (its threads, cache and locking are the configuration's
    /// rest). Each run starts from an empty cache: prefill, a greedy pick, then
    /// `generatedTokens` decode steps with end-of-generation tokens suppressed, so every run does
    /// the same work.
    public static func run(session: Session, configuration c: BenchmarkConfiguration,
                           progress: (Int) -> Void = { _ in }) throws(EngineError) -> BenchmarkResult {
        guard c.promptTokens >= 1 else { throw EngineError("the prompt must have at least 1 token, not \(c.promptTokens)") }
        guard c.generatedTokens >= 1 else { throw EngineError("at least 1 token must be generated, not \(c.generatedTokens)") }
        guard c.runs >= 1 else { throw EngineError("at least 1 run is needed, not \(c.runs)") }
        guard c.warmupRuns >= 0 else { throw EngineError("warm-up runs must be 0 or more, not \(c.warmupRuns)") }
        guard c.positions <= session.cache.capacity else {
            throw EngineError("\(c.promptTokens) prompt + \(c.generatedTokens) generated tokens need \(c.positions) positions, but the context holds \(session.cache.capacity) (raise --ctx)")
        }
        let model = session.model
        let prompt = promptTokens(count: c.promptTokens, tokenizer: model.tokenizer, vocabularySize: model.config.vocabSize)
        var pipeline = SamplingPipeline(temperature: 0, topP: 1, topK: 0, seed: 0,
                                        extra: [SuppressTokensProcessor(model.tokenizer.endOfGenerationTokens)])

        var ttft: [Double] = [], request: [Double] = [], prefillRate: [Double] = [], decodeRate: [Double] = []
        var steps: [Double] = []
        steps.reserveCapacity(c.runs * c.generatedTokens)
        var generated: [Int32] = [], previous: [Int32] = []
        generated.reserveCapacity(c.generatedTokens + 1)
        previous.reserveCapacity(c.generatedTokens + 1)
        var first: [Int32] = []
        var same = true

        for run in 0..<(c.warmupRuns + c.runs) {
            let measured = run >= c.warmupRuns
            swap(&generated, &previous)
            generated.removeAll(keepingCapacity: true)
            session.rewind(to: 0)

            let start = Clock.now()
            var logits = try session.feed(prompt)
            let prefilled = Clock.now()
            var token = pipeline.next(logits)
            let firstToken = Clock.now()
            generated.append(token)
            var decodeSeconds = 0.0
            for _ in 0..<c.generatedTokens {
                let stepStart = Clock.now()
                logits = try session.feed(token: token)
                token = pipeline.next(logits)
                let stepEnd = Clock.now()
                generated.append(token)
                decodeSeconds += stepEnd - stepStart
                if measured { steps.append((stepEnd - stepStart) * 1000) }
            }
            let end = Clock.now()

            if measured {
                ttft.append((firstToken - start) * 1000)
                request.append((end - start) * 1000)
                prefillRate.append(Double(c.promptTokens) / (prefilled - start))
                decodeRate.append(Double(c.generatedTokens) / decodeSeconds)
                if first.isEmpty { first = generated } else if generated != first { same = false }
            }
            progress(run)
        }
        session.rewind(to: 0)

        return BenchmarkResult(
            configuration: c, modelPath: model.file.path, modelBytes: model.file.fileSize,
            threads: session.pool.threads, pinnedWorkers: session.pool.pinnedWorkers,
            weightsLocked: session.weightsLocked, contextLength: session.cache.capacity,
            kvPrecision: session.cache.precision, kernels: String(cString: el_impl_name(el_impl_active())),
            timeToFirstToken: ttft, request: request,
            prefillTokensPerSecond: prefillRate, decodeTokensPerSecond: decodeRate, tokenLatency: steps,
            peakResidentBytes: ResourceUsage.peakResidentBytes(), generated: first, sameTokensEveryRun: same)
    }
}
