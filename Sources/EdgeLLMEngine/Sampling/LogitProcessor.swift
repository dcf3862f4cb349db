#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rewrites the logits before a token is chosen (temperature, a grammar's mask, ...). Processors
/// work in place on the model's logits buffer and allocate nothing per token.
public protocol LogitProcessor {
    mutating func process(_ logits: UnsafeMutableBufferPointer<Float>)
}

/// Divides the logits by the temperature.
public struct TemperatureProcessor: LogitProcessor, Sendable {
    public var temperature: Float
    public init(temperature: Float) { self.temperature = temperature }

    public mutating func process(_ logits: UnsafeMutableBufferPointer<Float>) {
        guard temperature > 0, temperature != 1 else { return }
        let inv = 1 / temperature
        for i in logits.indices { logits[i] *= inv }
    }
}

/// Masks every token outside the k most likely with -infinity.
public struct TopKProcessor: LogitProcessor {
    public var k: Int
    private var heap: [Float] = []

    public init(k: Int) { self.k = k }

    public mutating func process(_ logits: UnsafeMutableBufferPointer<Float>) {
        guard k > 0, k < logits.count else { return }
        // The k-th largest value is the threshold; a min-heap of size k finds it in O(n log k).
        if heap.capacity < k { heap.reserveCapacity(k) }
        heap.removeAll(keepingCapacity: true)
        for v in logits {
            if heap.count < k {
                heap.append(v)
                siftUp(heap.count - 1)
            } else if v > heap[0] {
                heap[0] = v
                siftDown(0)
            }
        }
        let threshold = heap[0]
        var kept = 0
        for i in logits.indices {
            // Ties at the threshold are kept only up to k tokens, lowest ids first.
            if logits[i] > threshold { kept += 1 }
        }
        var tiesAllowed = k - kept
        for i in logits.indices where logits[i] <= threshold {
            if logits[i] == threshold && tiesAllowed > 0 {
                tiesAllowed -= 1
            } else {
                logits[i] = -.infinity
            }
        }
    }

    private mutating func siftUp(_ i: Int) {
        var i = i
        while i > 0 {
            let parent = (i - 1) / 2
            if heap[parent] <= heap[i] { break }
            heap.swapAt(parent, i)
            i = parent
        }
    }

    private mutating func siftDown(_ i: Int) {
        var i = i
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && heap[l] < heap[m] { m = l }
            if r < heap.count && heap[r] < heap[m] { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}

/// Nucleus sampling: keeps the smallest set of most likely tokens whose probability adds up to p.
public struct TopPProcessor: LogitProcessor {
    public var p: Float
    private var candidates: [Candidate] = []

    struct Candidate {
        var index: Int32
        var logit: Float
        var prob: Float
        /// Higher probability first; equal ones by lower token id, so the result is deterministic.
        func before(_ o: Candidate) -> Bool { prob > o.prob || (prob == o.prob && index < o.index) }
    }

    public init(p: Float) { self.p = p }

    public mutating func process(_ logits: UnsafeMutableBufferPointer<Float>) {
        guard p > 0, p < 1, logits.count > 1 else { return }
        var maxLogit = -Float.infinity
        for v in logits where v > maxLogit { maxLogit = v }
        guard maxLogit.isFinite else { return }
        var sum: Float = 0
        for v in logits { sum += expf(v - maxLogit) }
        // Tokens below (1 - p) / (n - 1) cannot be in the nucleus (as in llama2.c), which keeps
        // the candidate list short.
        let cutoff = (1 - p) / Float(logits.count - 1)
        if candidates.capacity < logits.count {
            // Filled rather than reserved, so that every page of the buffer is touched now and not
            // at the first later token whose nucleus is wider than any before (a page fault there).
            candidates = Array(repeating: Candidate(index: 0, logit: 0, prob: 0), count: logits.count)
        }
        candidates.removeAll(keepingCapacity: true)
        for i in logits.indices {
            let prob = expf(logits[i] - maxLogit) / sum
            if prob >= cutoff { candidates.append(Candidate(index: Int32(i), logit: logits[i], prob: prob)) }
        }
        // A binary heap, popped until the nucleus is full: no allocation, O(n + k log n).
        let n = candidates.count
        for i in stride(from: n / 2 - 1, through: 0, by: -1) { siftDown(i, n) }
        var cumulative: Float = 0
        var end = n
        while end > 0 {
            candidates.swapAt(0, end - 1)
            end -= 1
            cumulative += candidates[end].prob
            if cumulative > p { break }
            siftDown(0, end)
        }
        for i in logits.indices { logits[i] = -.infinity }
        for c in candidates[end..<n] { logits[Int(c.index)] = c.logit }
    }

    private mutating func siftDown(_ i: Int, _ n: Int) {
        var i = i
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && candidates[l].before(candidates[m]) { m = l }
            if r < n && candidates[r].before(candidates[m]) { m = r }
            if m == i { return }
            candidates.swapAt(i, m)
            i = m
        }
    }
}

/// Forbids some tokens, e.g. end-of-generation tokens when a fixed number of tokens is wanted
/// (benchmarks, llama.cpp's --ignore-eos).
public struct SuppressTokensProcessor: LogitProcessor, Sendable {
    public var tokens: [Int32]
    public init(_ tokens: [Int32]) { self.tokens = tokens }

    public mutating func process(_ logits: UnsafeMutableBufferPointer<Float>) {
        for t in tokens where t >= 0 && Int(t) < logits.count { logits[Int(t)] = -.infinity }
    }
}
