import EdgeLLMIntents
import FoundationEssentials
import Histogram
import Synchronization

/// What the `telemetry` topic carries (retained), and Home Assistant's sensors read.
public struct TelemetrySnapshot: Sendable, Equatable, Codable {
    public struct Latency: Sendable, Equatable, Codable {
        public var count: UInt64
        public var p50: Double
        public var p95: Double
        public var p99: Double
        public var max: Double
    }

    /// Commands received, well-formed or not.
    public var received: UInt64
    /// Answered `ok`.
    public var served: UInt64
    /// Answered `rejected`: by the agent (see `overloaded`) or by the recognizer (not a command for this home).
    public var rejected: UInt64
    /// Rejected by the agent before recognition: queue full, no time left in the budget, shutting down.
    public var overloaded: UInt64
    public var timeout: UInt64
    /// Bad payloads and recognizer failures.
    public var errors: UInt64
    /// Well-formed commands whose budget was not met (`timing.met` false): overloaded, timed out, or late.
    public var budgetMisses: UInt64
    public var queueDepth: Int
    public var queueCapacity: Int
    public var queueMaxDepth: Int
    /// The per-request cost the admission check currently assumes.
    public var costEstimateMilliseconds: Double
    public var lastLatencyMilliseconds: Double?
    /// Arrival to reply of the requests the recognizer ran, in milliseconds.
    public var latencyMilliseconds: Latency
    public var uptimeSeconds: Double

    enum CodingKeys: String, CodingKey {
        case received, served, rejected, overloaded, timeout, errors
        case budgetMisses = "budget_misses", queueDepth = "queue_depth", queueCapacity = "queue_capacity"
        case queueMaxDepth = "queue_max_depth", costEstimateMilliseconds = "cost_estimate_ms"
        case lastLatencyMilliseconds = "last_latency_ms", latencyMilliseconds = "latency_ms"
        case uptimeSeconds = "uptime_s"
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map(Array.init) ?? Array("{}".utf8)
    }
}

/// Counters and an HdrHistogram of latencies. Fixed size whatever the traffic: the histogram's
/// footprint depends only on its range and precision.
final class Telemetry: Sendable {
    private struct State {
        var received: UInt64 = 0
        var served: UInt64 = 0
        var rejected: UInt64 = 0
        var overloaded: UInt64 = 0
        var timeout: UInt64 = 0
        var errors: UInt64 = 0
        var budgetMisses: UInt64 = 0
        var lastLatency: Double?
        // Microseconds, up to an hour, 3 significant digits.
        var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }
    private let state = Mutex(State())
    private let started: Double

    init(now: Double) { started = now }

    func received() { state.withLock { $0.received += 1 } }

    /// One reply. `ranRecognizer` says whether its latency describes the model's work rather than
    /// an instant answer (a bad payload, an overload rejection); only those go into the percentiles.
    func record(status: Recognition.Status, totalMilliseconds: Double, met: Bool, wellFormed: Bool, ranRecognizer: Bool,
                overloaded: Bool) {
        state.withLock { s in
            switch status {
            case .ok: s.served += 1
            case .rejected: s.rejected += 1
            case .timeout: s.timeout += 1
            case .error: s.errors += 1
            }
            if overloaded { s.overloaded += 1 }
            if wellFormed && !met { s.budgetMisses += 1 }
            if ranRecognizer {
                s.lastLatency = totalMilliseconds
                let micros = UInt64(max(0, min(totalMilliseconds * 1000, 3_600_000_000)))
                _ = s.histogram.record(micros)
            }
        }
    }

    func snapshot(now: Double, queueDepth: Int, queueCapacity: Int, queueMaxDepth: Int,
                  costEstimateSeconds: Double) -> TelemetrySnapshot {
        state.withLock { s in
            let h = s.histogram
            func ms(_ micros: UInt64) -> Double { (Double(micros) / 10).rounded() / 100 }
            let latency = TelemetrySnapshot.Latency(
                count: h.totalCount,
                p50: h.totalCount == 0 ? 0 : ms(h.valueAtPercentile(50)),
                p95: h.totalCount == 0 ? 0 : ms(h.valueAtPercentile(95)),
                p99: h.totalCount == 0 ? 0 : ms(h.valueAtPercentile(99)),
                max: h.totalCount == 0 ? 0 : ms(h.max))
            return TelemetrySnapshot(
                received: s.received, served: s.served, rejected: s.rejected, overloaded: s.overloaded,
                timeout: s.timeout, errors: s.errors,
                budgetMisses: s.budgetMisses, queueDepth: queueDepth, queueCapacity: queueCapacity,
                queueMaxDepth: queueMaxDepth, costEstimateMilliseconds: milliseconds(costEstimateSeconds),
                lastLatencyMilliseconds: s.lastLatency, latencyMilliseconds: latency,
                uptimeSeconds: (now - started).rounded())
        }
    }
}
