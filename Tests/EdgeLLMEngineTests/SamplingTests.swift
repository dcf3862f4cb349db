@testable import EdgeLLMEngine
import Testing

@Suite struct SamplingTests {
    func run<P: LogitProcessor>(_ p: inout P, _ values: [Float]) -> [Float] {
        var v = values
        v.withUnsafeMutableBufferPointer { p.process($0) }
        return v
    }

    @Test func greedyPicksArgmaxLowestIdOnTies() {
        var g = GreedySampler()
        var v: [Float] = [0.1, 3, -1, 3]
        #expect(v.withUnsafeMutableBufferPointer { g.sample($0) } == 1)
    }

    @Test func topKKeepsExactlyK() {
        var p = TopKProcessor(k: 2)
        let out = run(&p, [0.5, 2, -1, 1.5, 0.1])
        #expect(out == [-.infinity, 2, -.infinity, 1.5, -.infinity])
        var ties = TopKProcessor(k: 2)
        #expect(run(&ties, [1, 1, 1, 0]).filter { $0.isFinite }.count == 2)
    }

    @Test func topPKeepsTheSmallestNucleus() {
        // Probabilities ≈ 0.643, 0.237, 0.087, 0.032: p = 0.8 needs the top two tokens.
        let logits: [Float] = [3, 2, 1, 0]
        var p = TopPProcessor(p: 0.8)
        #expect(run(&p, logits) == [3, 2, -.infinity, -.infinity])
        var tight = TopPProcessor(p: 0.5)
        #expect(run(&tight, logits) == [3, -.infinity, -.infinity, -.infinity])
        var all = TopPProcessor(p: 0.99)
        #expect(run(&all, logits) == logits)
    }

    @Test func temperatureScales() {
        var t = TemperatureProcessor(temperature: 0.5)
        #expect(run(&t, [1, -2]) == [2, -4])
    }

    @Test func sameSeedSameDraws() {
        let logits: [Float] = (0..<50).map { Float($0 % 7) * 0.3 }
        func draws(_ seed: UInt64) -> [Int32] {
            var pipeline = SamplingPipeline(temperature: 0.9, topP: 0.95, topK: 20, seed: seed)
            return (0..<40).map { _ in
                var v = logits
                return v.withUnsafeMutableBufferPointer { pipeline.next($0) }
            }
        }
        #expect(draws(42) == draws(42))
        #expect(draws(42) != draws(43))
    }

    @Test func categoricalFollowsTheDistribution() {
        var sampler = CategoricalSampler(seed: 5)
        var counts = [0, 0, 0]
        let logits: [Float] = [0, 0.6931472, -.infinity] // probabilities 1/3, 2/3, 0
        for _ in 0..<30_000 {
            var v = logits
            counts[Int(v.withUnsafeMutableBufferPointer { sampler.sample($0) })] += 1
        }
        #expect(counts[2] == 0)
        #expect(abs(Double(counts[1]) / 30_000 - 2.0 / 3.0) < 0.01)
    }

    @Test func zeroTemperatureIsGreedy() {
        var pipeline = SamplingPipeline(temperature: 0, topP: 0.9, topK: 0, seed: 1)
        var v: [Float] = [0, 5, 4.9]
        #expect(v.withUnsafeMutableBufferPointer { pipeline.next($0) } == 1)
    }
}
