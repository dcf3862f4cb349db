#if canImport(Glibc)
import Glibc
#endif

/// Direct writes to the standard streams: generated text must appear as soon as it is produced,
/// so nothing is buffered.
enum StandardStreams {
    static func out(_ s: String) { write(fd: 1, s) }
    static func err(_ s: String) { write(fd: 2, s) }

    static var stderrIsTerminal: Bool { isatty(2) != 0 }
    static var stdoutIsTerminal: Bool { isatty(1) != 0 }

    private static func write(fd: Int32, _ s: String) {
        var s = s
        s.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return } // a closed pipe: nothing more can be said
                offset += n
            }
        }
    }
}

/// Fixed-point formatting without Foundation.
func fixed(_ x: Double, _ digits: Int = 1) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    _ = withVaList([digits, x]) { vsnprintf(&buffer, buffer.count, "%.*f", $0) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func megabytes(_ bytes: Int) -> String { fixed(Double(bytes) / 1_048_576) + " MiB" }
