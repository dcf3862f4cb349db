import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Home {
    /// Reads a home from a JSON file (the schema in `Home`'s documentation).
    public static func load(path: String) throws(HomeError) -> Home {
        let bytes: [UInt8]
        do {
            bytes = try FileText.read(path)
        } catch {
            throw HomeError("cannot read home file '\(path)': \(error.description)")
        }
        do {
            return try JSONDecoder().decode(Home.self, from: Data(bytes))
        } catch {
            throw HomeError("invalid home file '\(path)': \(FileText.oneLine(error))")
        }
    }
}

/// Whole-file reads with the system's own error text, and error text flattened to one line.
enum FileText {
    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    static func read(_ path: String) throws(ReadError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw ReadError(description: String(cString: strerror(errno))) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n > 0 { bytes += buffer[0..<n] }
            if n < buffer.count {
                if ferror(file) != 0 { throw ReadError(description: String(cString: strerror(errno))) }
                break
            }
        }
        return bytes
    }

    static func oneLine(_ error: any Error) -> String {
        String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
