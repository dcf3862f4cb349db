#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A benchmark's figures, as a table for people and as JSON for tools (docs/bench-json.md).
public struct BenchmarkReport: Sendable {
    public static let schemaVersion = 1

    public let result: BenchmarkResult
    public let ttft: Summary
    public let token: Summary
    public let request: Summary
    /// Medians over runs.
    public let prefillTokensPerSecond: Double
    public let decodeTokensPerSecond: Double
    /// What the numbers were measured on, and when (UTC, ISO 8601).
    public let cpu: String
    public let date: String

    public init(_ result: BenchmarkResult, cpu: String = MachineInfo.cpuDescription(), date: String = MachineInfo.utcNow()) {
        self.result = result
        ttft = Summary(result.timeToFirstToken)
        token = Summary(result.tokenLatency)
        request = Summary(result.request)
        prefillTokensPerSecond = Summary(result.prefillTokensPerSecond).p50
        decodeTokensPerSecond = Summary(result.decodeTokensPerSecond).p50
        self.cpu = cpu
        self.date = date
    }

    static func mebibytes(_ bytes: Int) -> Double { Double(bytes) / 1_048_576 }

    /// Stable JSON: the keys below, in this order, numbers with three decimals.
    public func json() -> String {
        let r = result, c = r.configuration
        var o = JSONObjectWriter()
        o.int("schema", Self.schemaVersion)
        o.string("model", r.modelPath)
        o.number("model_size_mb", Self.mebibytes(r.modelBytes))
        o.int("threads", r.threads)
        o.int("pinned_workers", r.pinnedWorkers)
        o.bool("mlock", r.weightsLocked)
        o.int("ctx", r.contextLength)
        o.string("kv", r.kvPrecision.rawValue)
        o.string("kernels", r.kernels)
        o.int("prompt_tokens", c.promptTokens)
        o.int("gen_tokens", c.generatedTokens)
        o.int("runs", c.runs)
        o.int("warmup", c.warmupRuns)
        o.object("ttft_ms", [("p50", ttft.p50), ("p99", ttft.p99), ("mean", ttft.mean)])
        o.object("token_ms", [("p50", token.p50), ("p90", token.p90), ("p99", token.p99), ("max", token.max),
                              ("std", token.std), ("mean", token.mean), ("min", token.min)])
        o.object("request_ms", [("mean", request.mean), ("p50", request.p50), ("p99", request.p99), ("std", request.std)])
        o.number("prefill_tok_s", prefillTokensPerSecond)
        o.number("decode_tok_s", decodeTokensPerSecond)
        o.number("peak_rss_mb", Self.mebibytes(r.peakResidentBytes))
        o.bool("same_tokens_every_run", r.sameTokensEveryRun)
        o.string("cpu", cpu)
        o.string("date", date)
        // The raw measurements, so that a tool can pool several invocations (scripts/bench does)
        // and compute its own statistics.
        o.arrays("samples", [("ttft_ms", r.timeToFirstToken), ("request_ms", r.request),
                             ("prefill_tok_s", r.prefillTokensPerSecond), ("decode_tok_s", r.decodeTokensPerSecond),
                             ("token_ms", r.tokenLatency)])
        return o.finish()
    }

    /// A table for a terminal.
    public func table() -> String {
        let r = result, c = r.configuration
        var lines: [String] = []
        lines.append("model      \(r.modelPath) (\(Self.fixed(Self.mebibytes(r.modelBytes), 1)) MiB)")
        lines.append("threads    \(r.threads)\(r.pinnedWorkers > 0 ? " (\(r.pinnedWorkers) workers pinned)" : ""), ctx \(r.contextLength), kv \(r.kvPrecision.rawValue)\(r.weightsLocked ? ", weights locked" : "")")
        lines.append("runs       \(c.runs) measured after \(c.warmupRuns) warm-up; prompt \(c.promptTokens) tokens, \(c.generatedTokens) decode steps each")
        lines.append("cpu        \(cpu), \(r.kernels) kernels")
        lines.append("")
        func row(_ name: String, _ cells: [String]) -> String {
            name.padding(16) + cells.map { $0.leftPadding(10) }.joined()
        }
        lines.append(row("", ["p50", "p90", "p99", "max", "mean", "std"]))
        for (name, s) in [("ttft ms", ttft), ("token ms", token), ("request ms", request)] {
            lines.append(row(name, [s.p50, s.p90, s.p99, s.max, s.mean, s.std].map { Self.fixed($0, 2) }))
        }
        lines.append("")
        lines.append("prefill    \(Self.fixed(prefillTokensPerSecond, 1)) tok/s (median of runs)")
        lines.append("decode     \(Self.fixed(decodeTokensPerSecond, 1)) tok/s (median of runs)")
        lines.append("peak RSS   \(Self.fixed(Self.mebibytes(r.peakResidentBytes), 1)) MiB")
        if !r.sameTokensEveryRun { lines.append("warning    the runs did not all generate the same tokens") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `x` with `digits` decimals, without Foundation.
    public static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([Int32(digits), x]) { vsnprintf(&buffer, buffer.count, "%.*f", $0) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Writes one flat-ish JSON object, keys in the order given.
struct JSONObjectWriter {
    private var out = "{\n"
    private var first = true

    private mutating func key(_ k: String) {
        out += first ? "  " : ",\n  "
        first = false
        out += jsonQuoted(k) + ": "
    }

    mutating func int(_ k: String, _ v: Int) { key(k); out += String(v) }
    mutating func bool(_ k: String, _ v: Bool) { key(k); out += v ? "true" : "false" }
    mutating func string(_ k: String, _ v: String) { key(k); out += jsonQuoted(v) }
    mutating func number(_ k: String, _ v: Double) { key(k); out += Self.number(v) }

    mutating func object(_ k: String, _ fields: [(String, Double)]) {
        key(k)
        out += "{" + fields.map { jsonQuoted($0.0) + ": " + Self.number($0.1) }.joined(separator: ", ") + "}"
    }

    mutating func arrays(_ k: String, _ fields: [(String, [Double])]) {
        key(k)
        out += "{\n"
        out += fields.map { "    " + jsonQuoted($0.0) + ": [" + $0.1.map(Self.number).joined(separator: ", ") + "]" }
            .joined(separator: ",\n")
        out += "\n  }"
    }

    mutating func finish() -> String { out + "\n}\n" }

    /// JSON has no infinity or NaN: a figure that could not be measured is null.
    static func number(_ v: Double) -> String { v.isFinite ? BenchmarkReport.fixed(v, 3) : "null" }
}

/// The machine a benchmark ran on.
public enum MachineInfo {
    /// "AMD EPYC", "Raspberry Pi Zero 2 W Rev 1.0", ...: /proc/cpuinfo's model name, else its
    /// board model (Arm kernels name the board, not the core), else the architecture.
    public static func cpuDescription() -> String {
        var modelName: String?, board: String?
        if let f = fopen("/proc/cpuinfo", "r") {
            defer { fclose(f) }
            var buffer = [CChar](repeating: 0, count: 1024)
            while fgets(&buffer, Int32(buffer.count), f) != nil {
                let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                guard let colon = line.firstIndex(of: ":") else { continue }
                let key = line[..<colon].trimmingSpaces()
                let value = line[line.index(after: colon)...].trimmingSpaces()
                if key == "model name" && modelName == nil && !value.isEmpty { modelName = value }
                if key == "Model" && board == nil && !value.isEmpty { board = value }
            }
        }
        #if arch(x86_64)
        let arch = "x86_64"
        #elseif arch(arm64)
        let arch = "aarch64"
        #elseif arch(arm)
        let arch = "arm"
        #else
        let arch = "unknown"
        #endif
        return modelName ?? board ?? arch
    }

    /// Now, UTC, as 2025-01-31T12:34:56Z.
    public static func utcNow() -> String {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

private extension StringProtocol {
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}

private extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
