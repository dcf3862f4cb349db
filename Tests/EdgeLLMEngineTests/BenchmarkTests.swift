import EdgeLLMEngine
import EdgeLLMImport
import Foundation
import Testing

/// The statistics and the runner behind `edgellm bench`.
@Suite struct BenchmarkTests {
    // MARK: Nearest-rank percentiles

    @Test func nearestRankPercentilesOfTheClassicExample() {
        // The textbook example of the method: 15, 20, 35, 40, 50.
        let v: [Double] = [15, 20, 35, 40, 50]
        #expect(Summary.percentile(sorted: v, 5) == 15)
        #expect(Summary.percentile(sorted: v, 30) == 20)
        #expect(Summary.percentile(sorted: v, 40) == 20)
        #expect(Summary.percentile(sorted: v, 50) == 35)
        #expect(Summary.percentile(sorted: v, 100) == 50)
        #expect(Summary.percentile(sorted: v, 0) == 15)
    }

    @Test func percentilesOfOneToHundredAreTheirRanks() {
        let v = (1...100).map(Double.init)
        let s = Summary(v.shuffled())
        #expect(s.p50 == 50 && s.p90 == 90 && s.p99 == 99 && s.max == 100 && s.min == 1)
        #expect(s.percentile(99.5) == 100) // rank ⌈99.5⌉ = 100
        #expect(s.percentile(0.5) == 1)
    }

    @Test func medianOfAnEvenCountIsTheLowerMiddleValue() {
        #expect(Summary([4, 1, 3, 2]).p50 == 2)
        #expect(Summary([7]).p50 == 7 && Summary([7]).p99 == 7 && Summary([7]).std == 0)
    }

    @Test func meanAndPopulationStandardDeviation() {
        let s = Summary([2, 4, 4, 4, 5, 5, 7, 9])
        #expect(s.mean == 5)
        #expect(s.std == 2)
        #expect(s.count == 8)
    }

    @Test func anEmptySampleSummarisesToZeros() {
        let s = Summary([])
        #expect(s.count == 0 && s.p50 == 0 && s.p99 == 0 && s.std == 0)
    }

    // MARK: The runner

    static func tinyModel() throws -> (LanguageModel, String) {
        let path = try Fixtures.convert(Fixtures.model("tiny-llama"), ConversionOptions(weights: .q8_0))
        return (try LanguageModel(path: path), path)
    }

    @Test func promptsHaveTheAskedLengthAndAreTheSameEachTime() throws {
        let (model, path) = try Self.tinyModel()
        defer { try? FileManager.default.removeItem(atPath: path) }
        for count in [1, 5, 32, 200] {
            let a = Benchmark.promptTokens(count: count, tokenizer: model.tokenizer, vocabularySize: model.config.vocabSize)
            let b = Benchmark.promptTokens(count: count, tokenizer: model.tokenizer, vocabularySize: model.config.vocabSize)
            #expect(a.count == count)
            #expect(a == b)
            #expect(a.allSatisfy { $0 >= 0 && Int($0) < model.config.vocabSize })
        }
    }

    @Test func aRunMeasuresEveryStepAndGeneratesTheSameTokensForAnyThreadCount() throws {
        let (model, path) = try Self.tinyModel()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = BenchmarkConfiguration(promptTokens: 10, generatedTokens: 7, runs: 3, warmupRuns: 1)
        var tokens: [[Int32]] = []
        for threads in [1, 2] {
            let session = try Session(model: model, contextLength: 17, threads: threads)
            let r = try Benchmark.run(session: session, configuration: c)
            #expect(r.threads == threads)
            #expect(["scalar", "avx2", "neon"].contains(r.kernels))
            #expect(r.timeToFirstToken.count == 3 && r.request.count == 3)
            #expect(r.prefillTokensPerSecond.count == 3 && r.decodeTokensPerSecond.count == 3)
            #expect(r.tokenLatency.count == 3 * 7)
            #expect(r.tokenLatency.allSatisfy { $0 > 0 })
            #expect(zip(r.timeToFirstToken, r.request).allSatisfy { $0 < $1 }, "a request outlasts its first token")
            #expect(r.generated.count == 8) // the first token and one per decode step
            #expect(r.sameTokensEveryRun)
            #expect(r.peakResidentBytes > 0 && r.modelBytes > 0)
            #expect(session.position == 0, "the cache is left empty")
            tokens.append(r.generated)
        }
        #expect(tokens[0] == tokens[1])
    }

    @Test func endOfGenerationIsSuppressedSoEveryRunHasItsTokens() throws {
        let (model, path) = try Self.tinyModel()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let session = try Session(model: model, contextLength: 80)
        let r = try Benchmark.run(session: session, configuration: BenchmarkConfiguration(promptTokens: 4, generatedTokens: 64, runs: 1, warmupRuns: 0))
        let endTokens = Set(model.tokenizer.endOfGenerationTokens)
        #expect(!endTokens.isEmpty)
        #expect(r.generated.count == 65)
        #expect(r.generated.allSatisfy { !endTokens.contains($0) })
    }

    @Test func badConfigurationsAreRefusedInOneLine() throws {
        let (model, path) = try Self.tinyModel()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let session = try Session(model: model, contextLength: 16)
        let bad = [
            BenchmarkConfiguration(promptTokens: 10, generatedTokens: 7, runs: 1), // 17 > 16 positions
            BenchmarkConfiguration(promptTokens: 4, generatedTokens: 4, runs: 0),
            BenchmarkConfiguration(promptTokens: 0, generatedTokens: 4, runs: 1),
            BenchmarkConfiguration(promptTokens: 4, generatedTokens: 0, runs: 1),
            BenchmarkConfiguration(promptTokens: 4, generatedTokens: 4, runs: 1, warmupRuns: -1),
        ]
        for c in bad {
            do {
                _ = try Benchmark.run(session: session, configuration: c)
                Issue.record("\(c) was accepted")
            } catch {
                #expect(!error.description.isEmpty && !error.description.contains("\n"))
            }
        }
        #expect(throws: Never.self) {
            try Benchmark.run(session: session, configuration: BenchmarkConfiguration(promptTokens: 10, generatedTokens: 6, runs: 1, warmupRuns: 0))
        }
    }

    // MARK: The report

    static func fixedResult() -> BenchmarkResult {
        BenchmarkResult(
            configuration: BenchmarkConfiguration(promptTokens: 32, generatedTokens: 4, runs: 2, warmupRuns: 1),
            modelPath: "models/a \"quoted\" model.tm2.bin", modelBytes: 3 * 1_048_576, threads: 2, pinnedWorkers: 1,
            weightsLocked: true, contextLength: 64, kvPrecision: .f16, kernels: "avx2",
            timeToFirstToken: [10, 12], request: [50, 60], prefillTokensPerSecond: [3200, 3000],
            decodeTokensPerSecond: [100, 90], tokenLatency: [9, 10, 11, 12, 10, 10, 10, 30],
            peakResidentBytes: 100 * 1_048_576, generated: [1, 2, 3, 4, 5], sameTokensEveryRun: true)
    }

    @Test func jsonHasTheDocumentedFieldsAndFigures() throws {
        let report = BenchmarkReport(Self.fixedResult(), cpu: "Test CPU", date: "2026-01-02T03:04:05Z")
        let text = report.json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["model"] as? String == "models/a \"quoted\" model.tm2.bin")
        #expect(object["threads"] as? Int == 2)
        #expect(object["prompt_tokens"] as? Int == 32)
        #expect(object["gen_tokens"] as? Int == 4)
        #expect(object["runs"] as? Int == 2)
        #expect(object["model_size_mb"] as? Double == 3)
        #expect(object["peak_rss_mb"] as? Double == 100)
        #expect(object["prefill_tok_s"] as? Double == 3000) // median of two: the lower one
        #expect(object["decode_tok_s"] as? Double == 90)
        let ttft = try #require(object["ttft_ms"] as? [String: Double])
        #expect(ttft["p50"] == 10 && ttft["p99"] == 12)
        let token = try #require(object["token_ms"] as? [String: Double])
        #expect(token["p50"] == 10 && token["p90"] == 30 && token["p99"] == 30 && token["max"] == 30)
        #expect(abs(token["std"]! - 6.5717) < 1e-3)
        let request = try #require(object["request_ms"] as? [String: Double])
        #expect(request["mean"] == 55 && request["p99"] == 60 && request["std"] == 5)
        #expect(object["cpu"] as? String == "Test CPU")
        #expect(object["kernels"] as? String == "avx2")
        let samples = try #require(object["samples"] as? [String: [Double]])
        #expect(samples["token_ms"] == [9, 10, 11, 12, 10, 10, 10, 30])
        #expect(samples["ttft_ms"] == [10, 12] && samples["request_ms"] == [50, 60])
        #expect(samples["prefill_tok_s"] == [3200, 3000] && samples["decode_tok_s"] == [100, 90])
        // Stable: the same figures give the same bytes, keys in the documented order.
        #expect(text == BenchmarkReport(Self.fixedResult(), cpu: "Test CPU", date: "2026-01-02T03:04:05Z").json())
        let order = ["\"model\"", "\"threads\"", "\"prompt_tokens\"", "\"gen_tokens\"", "\"runs\"", "\"ttft_ms\"",
                     "\"token_ms\"", "\"request_ms\"", "\"prefill_tok_s\"", "\"decode_tok_s\"", "\"peak_rss_mb\""]
        let positions = order.map { text.range(of: $0)!.lowerBound }
        #expect(positions == positions.sorted())
    }

    @Test func theTableShowsTheFigures() {
        let table = BenchmarkReport(Self.fixedResult(), cpu: "Test CPU", date: "x").table()
        #expect(table.contains("token ms"))
        #expect(table.contains("30.00")) // the token max
        #expect(table.contains("3000.0 tok/s"))
        #expect(table.contains("Test CPU"))
    }

    @Test func machineInfoIsNotEmptyAndTheDateIsISO8601() {
        #expect(!MachineInfo.cpuDescription().isEmpty)
        let date = MachineInfo.utcNow()
        #expect(date.count == 20 && date.hasSuffix("Z") && date.dropFirst(10).hasPrefix("T"))
    }
}
