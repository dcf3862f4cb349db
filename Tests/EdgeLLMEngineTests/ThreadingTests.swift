import CEdgeLLMKernels
import EdgeLLMEngine
import EdgeLLMImport
import EdgeLLMModelFile
import Foundation
import Testing

/// The worker pool: static splits, the barrier, pinning, denormal flushing, and logits that do
/// not depend on the thread count.
@Suite struct ThreadingTests {
    // MARK: Splits

    @Test(arguments: [0, 1, 15, 16, 17, 32, 96, 192, 320, 576, 1536, 49152])
    func rowSplitsCoverEveryRowOnceOnAlignedBoundaries(rows: Int) {
        for workers in 1...6 {
            var next: Int64 = 0
            for w in 0..<workers {
                var b: Int64 = -1, e: Int64 = -1
                el_split_rows(Int64(rows), Int32(workers), Int32(w), Int64(EL_POOL_ROW_ALIGN), &b, &e)
                #expect(b == next, "rows \(rows), \(workers) workers: worker \(w) starts at \(b), not \(next)")
                #expect(e >= b)
                #expect(b % Int64(EL_POOL_ROW_ALIGN) == 0 || b == Int64(rows))
                #expect(e % Int64(EL_POOL_ROW_ALIGN) == 0 || e == Int64(rows))
                next = e
            }
            #expect(next == Int64(rows), "rows \(rows), \(workers) workers end at \(next)")
        }
    }

    /// Work is shared: with two workers and rows to spare, the second one gets some.
    @Test func bothWorkersGetRowsOfATypicalMatrix() {
        var b: Int64 = 0, e: Int64 = 0
        el_split_rows(576, 2, 1, Int64(EL_POOL_ROW_ALIGN), &b, &e)
        #expect(b == 288 && e == 576)
    }

    // MARK: The pool

    @Test(arguments: [1, 2, 3, 4])
    func everyWorkerRunsOncePerDispatch(threads: Int) throws {
        let pool = try ThreadPool(threads: threads)
        #expect(pool.threads == threads)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: threads)
        counts.initialize(repeating: 0, count: threads)
        defer { counts.deallocate() }
        let dispatches = 300
        for i in 0..<dispatches {
            // Every few dispatches, pause long enough for the workers to go to sleep, so that the
            // futex wake-up is exercised as well as the spin.
            if i % 50 == 49 { usleep(3000) }
            pool.runOnEveryThread({ ctx, worker, n in
                let counts = ctx!.assumingMemoryBound(to: Int.self)
                counts[Int(worker)] += 1 // each worker writes only its own slot
                precondition(Int(n) > Int(worker))
            }, context: UnsafeMutableRawPointer(counts))
            // Returning means every worker has finished: the counts are already up to date.
            for w in 0..<threads where counts[w] != i + 1 {
                Issue.record("dispatch \(i): worker \(w) has run \(counts[w]) times")
                return
            }
        }
        #expect((0..<threads).allSatisfy { counts[$0] == dispatches })
    }

    @Test func badThreadCountsAreRefused() {
        #expect(throws: EngineError.self) { try ThreadPool(threads: 0) }
        #expect(throws: EngineError.self) { try ThreadPool(threads: ThreadPool.maxThreads + 1) }
        #expect(ThreadPool.availableCores >= 1)
    }

    @Test func workersFlushDenormalsAndTheCallerOnlyInsideAPass() throws {
        let pool = try ThreadPool(threads: 3)
        let flushed = UnsafeMutablePointer<Int32>.allocate(capacity: 3)
        flushed.initialize(repeating: -1, count: 3)
        defer { flushed.deallocate() }
        pool.runOnEveryThread({ ctx, worker, _ in
            ctx!.assumingMemoryBound(to: Int32.self)[Int(worker)] = el_fp_denormals_flushed()
        }, context: UnsafeMutableRawPointer(flushed))
        #expect(flushed[1] == 1 && flushed[2] == 1)

        let before = el_fp_denormals_flushed()
        let state = el_fp_enter()
        #expect(el_fp_denormals_flushed() == 1)
        el_fp_leave(state)
        #expect(el_fp_denormals_flushed() == before, "the caller's mode is restored")
    }

    @Test func pinnedWorkersRunOnOneCPUEach() throws {
        let pool = try ThreadPool(threads: 2, pin: true)
        let cpus = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        cpus.initialize(repeating: -1, count: 2)
        defer { cpus.deallocate() }
        pool.runOnEveryThread({ ctx, worker, _ in
            ctx!.assumingMemoryBound(to: Int32.self)[Int(worker)] = el_current_thread_cpu_count()
        }, context: UnsafeMutableRawPointer(cpus))
        // Pinning may be refused (it is not fatal), but a worker that says it is pinned must be.
        #expect(pool.pinnedWorkers <= 1)
        if pool.pinnedWorkers == 1 { #expect(cpus[1] == 1) }
        // The caller is never pinned by a pool.
        #expect(cpus[0] == Int32(ThreadPool.availableCores) || ThreadPool.availableCores == 1)
    }

    // MARK: Bit-identical logits

    /// Logits of a batched prompt and of single-token decode steps, for one thread count.
    static func logits(_ model: LanguageModel, threads: Int, prompt: [Int32], steps: Int) throws -> [[Float]] {
        let session = try Session(model: model, contextLength: prompt.count + steps + 1, kvPrecision: .f16,
                                  maxBatch: 8, threads: threads)
        #expect(session.pool.threads == threads)
        var out = [Array(try session.feed(prompt))]
        var token = Int32(prompt.count % model.config.vocabSize)
        for _ in 0..<steps {
            let l = try session.feed(token: token)
            out.append(Array(l))
            token = GreedySamplerIndex.argmax(l)
        }
        return out
    }

    /// Where two runs' logits first differ (bit for bit), or nil.
    static func firstDifference(_ a: [[Float]], _ b: [[Float]]) -> String? {
        guard a.count == b.count else { return "\(a.count) steps against \(b.count)" }
        for (step, (x, y)) in zip(a, b).enumerated() {
            guard x.count == y.count else { return "step \(step): \(x.count) logits against \(y.count)" }
            if let i = x.indices.first(where: { x[$0].bitPattern != y[$0].bitPattern }) {
                return "step \(step) (0 is the prompt), logit \(i): \(x[i]) against \(y[i])"
            }
        }
        return nil
    }

    static let conversions: [(String, String, ConversionOptions)] = [
        ("tiny-llama", "f32", ConversionOptions(weights: .f32)),
        ("tiny-llama", "q8_0", ConversionOptions(weights: .q8_0)),
        ("tiny-llama", "q4_0", ConversionOptions(weights: .q4_0)),
        // Per-row ternary scales, head included: a worker's rows must read their own scales.
        ("tiny-llama", "ternary-rows", ConversionOptions(weights: .ternary, head: .ternary, ternaryScale: .row)),
        ("tiny-qwen2", "q8_0", ConversionOptions(weights: .q8_0)),
        ("tiny-bitnet", "ternary", ConversionOptions(weights: .ternary)),
    ]

    @Test(arguments: 0..<conversions.count)
    func logitsAreBitIdenticalForAnyThreadCount(index: Int) throws {
        let (name, _, options) = Self.conversions[index]
        let path = try Fixtures.convert(Fixtures.model(name), options)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try LanguageModel(path: path)
        let prompt: [Int32] = (0..<21).map { Int32(($0 * 37 + 5) % model.config.vocabSize) } // chunks of 8, 8, 5
        let one = try Self.logits(model, threads: 1, prompt: prompt, steps: 6)
        for threads in [2, 3, 4] {
            let many = try Self.logits(model, threads: threads, prompt: prompt, steps: 6)
            let difference = Self.firstDifference(many, one)
            #expect(difference == nil, "\(threads) threads: \(difference ?? "")")
        }
        #expect(one.allSatisfy { $0.allSatisfy(\.isFinite) })
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: DecodeLoopResourceTests.smolLM2Ternary)))
    func smolLM2LogitsAreBitIdenticalWithTwoThreads() throws {
        let model = try LanguageModel(path: DecodeLoopResourceTests.smolLM2Ternary)
        let prompt = model.tokenizer.encode("The kitchen lights are on")
        let one = try Self.logits(model, threads: 1, prompt: prompt, steps: 3)
        let two = try Self.logits(model, threads: 2, prompt: prompt, steps: 3)
        let difference = Self.firstDifference(two, one)
        #expect(difference == nil, "\(difference ?? "")")
    }

    @Test func sessionsRefuseBadThreadCounts() throws {
        let path = try Fixtures.convert(Fixtures.model("tiny-llama"), ConversionOptions(weights: .q8_0))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try LanguageModel(path: path)
        #expect(throws: EngineError.self) { try Session(model: model, contextLength: 8, threads: 0) }
        let session = try Session(model: model, contextLength: 8, threads: 2, lockWeights: true)
        #expect(session.pool.threads == 2)
        #expect(try session.feed(token: 1).allSatisfy(\.isFinite))
    }
}

enum GreedySamplerIndex {
    static func argmax(_ l: UnsafeMutableBufferPointer<Float>) -> Int32 {
        var best = 0
        for i in l.indices where l[i] > l[best] { best = i }
        return Int32(best)
    }
}
