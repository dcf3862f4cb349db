import CAllocationCounter
import EdgeLLMEngine
import EdgeLLMImport
import EdgeLLMModelFile
import Foundation
import Testing

/// The decode loop (a forward pass of one token and a top-p draw) allocates nothing and takes no
/// page fault once warm, with one thread or several: the per-token latency then depends on the
/// arithmetic alone.
///
/// Allocations are counted by an interposed malloc (CAllocationCounter) and page faults by
/// getrusage(RUSAGE_THREAD), both only on the session's threads, so the tests that run beside
/// these in the same process do not disturb them.
@Suite(.serialized) struct DecodeLoopResourceTests {
    static let smolLM2Ternary = Fixtures.packageRoot.appendingPathComponent("models/smollm2-135m.tm2.bin").path

    struct Usage: CustomStringConvertible {
        var allocations: Int64, frees: Int64, minorFaults: Int, majorFaults: Int, tokens: Int
        var firstAllocation: String
        var description: String {
            "\(allocations) allocations, \(frees) frees, \(minorFaults) minor + \(majorFaults) major page faults over \(tokens) tokens"
                + (firstAllocation.isEmpty ? "" : "; the first allocation came from:\n" + firstAllocation)
        }
    }

    /// Warms the session up, then decodes `tokens` tokens through TokenIterator (feed(token:) and
    /// SamplingPipeline with temperature, top-p and an EOS mask) while counting.
    static func measureDecode(_ model: LanguageModel, threads: Int, tokens: Int = 64, warmup: Int = 8) throws -> Usage {
        let prompt = Benchmark.promptTokens(count: 12, tokenizer: model.tokenizer, vocabularySize: model.config.vocabSize)
        let session = try Session(model: model, contextLength: prompt.count + warmup + tokens + 4, threads: threads)
        let parameters = GenerationParameters(maxTokens: warmup + tokens + 1, temperature: 0.8, topP: 0.9,
                                              seed: 7, stopAtEndOfGeneration: true)
        var iterator = try TokenIterator(session: session, prompt: prompt, parameters: parameters,
                                         extraProcessors: [SuppressTokensProcessor(model.tokenizer.endOfGenerationTokens)])
        for _ in 0..<warmup { _ = iterator.next() }
        // Let the workers fall asleep once, so that the wake-up path has run before counting too.
        usleep(5000)
        _ = iterator.next()

        let pool = session.pool
        pool.runOnEveryThread(el_alloc_count_pool_worker, context: UnsafeMutableRawPointer(bitPattern: 1))
        el_alloc_count_reset()
        let faultsBefore = pool.pageFaults()
        var produced = 0
        for _ in 0..<tokens where iterator.next() != nil { produced += 1 }
        let faultsAfter = pool.pageFaults()
        pool.runOnEveryThread(el_alloc_count_pool_worker, context: nil)
        var stack = [CChar](repeating: 0, count: 8192)
        el_alloc_stack(0, &stack, stack.count)
        return Usage(allocations: el_alloc_count(), frees: el_free_count(),
                     minorFaults: faultsAfter.minor - faultsBefore.minor,
                     majorFaults: faultsAfter.major - faultsBefore.major, tokens: produced,
                     firstAllocation: String(decoding: stack.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Guards the test itself: if the counter saw nothing, a zero below would prove nothing.
    @Test func theCounterSeesSwiftAllocationsOnCountedThreadsOnly() {
        #expect(el_alloc_counter_active() == 1)
        el_alloc_count_this_thread(1)
        el_alloc_count_reset()
        let array = Array(repeating: UInt8(1), count: 1000 + Int.random(in: 0..<10))
        let counted = el_alloc_count()
        el_alloc_count_this_thread(0)
        _ = Array(repeating: UInt8(2), count: 1000 + array.count)
        #expect(counted >= 1)
        #expect(el_alloc_count() == counted, "a thread that does not count is not counted")
    }

    /// And the fault counter sees a fault: touching fresh memory takes one per page.
    @Test func theFaultCounterSeesFreshPages() throws {
        let pool = try ThreadPool(threads: 1)
        let bytes = 64 * 4096
        let before = pool.pageFaults()
        let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(p, bytes) }
        for page in 0..<64 { p.storeBytes(of: 1, toByteOffset: page * 4096, as: UInt8.self) }
        #expect(pool.pageFaults().minor - before.minor >= 64)
    }

    static let tinyConversions: [(String, ConversionOptions)] = [
        ("q8_0", ConversionOptions(weights: .q8_0)),
        ("ternary", ConversionOptions(weights: .ternary, ternaryScale: .row)),
    ]

    @Test(arguments: 0..<tinyConversions.count, [1, 2])
    func tinyModelDecodeLoopAllocatesNothingAndFaultsNoPage(conversion: Int, threads: Int) throws {
        let path = try Fixtures.convert(Fixtures.model("tiny-llama"), Self.tinyConversions[conversion].1)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let usage = try Self.measureDecode(try LanguageModel(path: path), threads: threads)
        #expect(usage.tokens == 64)
        #expect(usage.allocations == 0 && usage.frees == 0, "\(usage)")
        #expect(usage.minorFaults == 0 && usage.majorFaults == 0, "\(usage)")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: smolLM2Ternary)), arguments: [1, 2])
    func smolLM2DecodeLoopAllocatesNothingAndFaultsNoPage(threads: Int) throws {
        let usage = try Self.measureDecode(try LanguageModel(path: Self.smolLM2Ternary), threads: threads)
        #expect(usage.tokens == 64)
        #expect(usage.allocations == 0 && usage.frees == 0, "\(usage)")
        #expect(usage.minorFaults == 0 && usage.majorFaults == 0, "\(usage)")
    }
}
