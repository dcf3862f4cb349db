#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process resource figures for the summary line and the benchmark.
public enum ResourceUsage {
    /// Peak resident set size of this process image, in bytes.
    ///
    /// Linux's VmHWM first: getrusage's ru_maxrss survives execve, so a process started by a big
    /// parent (a Python benchmark driver holding llama.cpp, say) would report the parent's peak.
    public static func peakResidentBytes() -> Int {
        if let kib = highWaterMarkKiB() { return kib * 1024 }
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }

    private static func highWaterMarkKiB() -> Int? {
        #if os(Linux)
        guard let f = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmHWM:") {
                return Int(text.dropFirst(6).filter { $0.isNumber })
            }
        }
        #endif
        return nil
    }
}
