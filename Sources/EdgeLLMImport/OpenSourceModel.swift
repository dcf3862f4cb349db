#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens whatever a user points the converter at: a GGUF file (recognised by its magic, not its
/// name) or a Hugging Face folder with config.json.
public func openSourceModel(path: String) throws -> SourceModel {
    if isDirectory(path) {
        if isRegularFile(joinPath(path, "config.json")) {
            return try HuggingFaceModel(directory: path)
        }
    } else if isRegularFile(path) {
        if try startsWithGGUFMagic(path) {
            return try GGUFModel(path: path)
        }
    } else if !pathExists(path) {
        throw ImportError("cannot read model '\(path)': no such file or directory")
    }
    throw ImportError("cannot read model '\(path)': expected a GGUF file or a Hugging Face folder with config.json")
}

private func startsWithGGUFMagic(_ path: String) throws(ImportError) -> Bool {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
        throw ImportError("cannot open '\(path)': \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var magic = [UInt8](repeating: 0, count: 4)
    let n = magic.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4) }
    return n == 4 && magic == Array("GGUF".utf8)
}
