#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Summary figures of a sample, as the benchmark reports them.
///
/// Percentiles use the nearest-rank method: the p-th percentile of n sorted values is the value at
/// rank ⌈p/100 · n⌉ (1-based), and the 0th is the smallest. Every reported figure is then a value
/// that was actually measured (no interpolation), p100 is the maximum, and the median of an even
/// count is the lower of the two middle values. The standard deviation is the population one
/// (divided by n): the runs are the whole population being described, not a sample of a larger one.
public struct Summary: Sendable, Equatable {
    public let count: Int
    public let min: Double
    public let max: Double
    public let mean: Double
    public let std: Double
    public let p50: Double
    public let p90: Double
    public let p99: Double
    /// The values, ascending.
    public let sorted: [Double]

    /// An empty sample summarises to zeros.
    public init(_ values: [Double]) {
        sorted = values.sorted()
        count = sorted.count
        guard let first = sorted.first, let last = sorted.last else {
            min = 0; max = 0; mean = 0; std = 0; p50 = 0; p90 = 0; p99 = 0
            return
        }
        min = first
        max = last
        // Two passes: the mean first, then squared deviations from it (steadier than Σx² − n·mean²).
        var sum = 0.0
        for v in sorted { sum += v }
        let m = sum / Double(count)
        var squares = 0.0
        for v in sorted { squares += (v - m) * (v - m) }
        mean = m
        std = (squares / Double(count)).squareRoot()
        p50 = Self.percentile(sorted: sorted, 50)
        p90 = Self.percentile(sorted: sorted, 90)
        p99 = Self.percentile(sorted: sorted, 99)
    }

    /// Nearest-rank percentile of ascending `sorted` values; `p` in 0...100.
    public static func percentile(sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let clamped = Swift.min(Swift.max(p, 0), 100)
        let rank = Int((clamped / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.max(rank, 1) - 1]
    }

    public func percentile(_ p: Double) -> Double { Self.percentile(sorted: sorted, p) }
}
