import Synchronization

/// What recent requests cost the worker, for admission: the median of the last few service times.
/// The median, not the mean, so that one slow outlier (a cold page cache, a long sentence) does not
/// make the agent reject everything after it.
final class CostEstimator: Sendable {
    private struct Window {
        var samples: [Double] = []
        var next = 0
        var lastSampleAt = -Double.infinity
    }
    private let window = Mutex(Window())
    let size: Int

    init(size: Int = 16) { self.size = size }

    func record(seconds: Double, at now: Double) {
        window.withLock { w in
            if w.samples.count < size { w.samples.append(seconds) } else { w.samples[w.next] = seconds }
            w.next = (w.next + 1) % size
            w.lastSampleAt = now
        }
    }

    /// No measurement for `seconds`: the estimate may describe a slower past (a cold start, a busy
    /// CPU). With every command rejected on it, nothing would ever correct it; see `probeAfterSeconds`.
    func isStale(now: Double, after seconds: Double) -> Bool {
        window.withLock { now - $0.lastSampleAt > seconds }
    }

    /// Seconds; 0 until the first request has run, so that the first ones are always tried.
    var estimate: Double {
        window.withLock { w in
            guard !w.samples.isEmpty else { return 0 }
            // The lower median: after a slow start, one normal measurement is enough to recover.
            let sorted = w.samples.sorted()
            return sorted[(sorted.count - 1) / 2]
        }
    }
}

/// When a request can be expected to finish, given the single worker and what is ahead of it.
struct LatencyBudget {
    /// An idle agent whose estimate is this old runs the next command even if the estimate says it
    /// cannot make its budget: the command keeps its deadline (a timeout at worst), and its
    /// measurement refreshes the estimate. Without it one slow start would reject everything after.
    static let probeAfterSeconds = 5.0

    /// Monotonic seconds the request arrived, and the deadline its budget gives it.
    var arrival: Double
    var deadline: Double
    var budgetMilliseconds: Double

    init(arrival: Double, budgetMilliseconds: Double) {
        self.arrival = arrival
        self.budgetMilliseconds = budgetMilliseconds
        deadline = arrival + budgetMilliseconds / 1000
    }

    /// The expected finish: the rest of the request in hand, the ones queued ahead, then this one.
    static func expectedFinish(now: Double, inHandRemaining: Double, queuedAhead: Int, cost: Double) -> Double {
        now + max(0, inHandRemaining) + Double(queuedAhead) * cost + cost
    }

    func canFinish(by expected: Double) -> Bool { expected <= deadline }
}
