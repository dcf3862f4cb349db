#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeLLMModelFile

/// Source model files (multi-gigabyte GGUF and safetensors) are read in place through a memory
/// map, so only the tensors being converted are paged in.
func mapSourceFile(_ path: String) throws(ImportError) -> MappedFile {
    do {
        return try MappedFile(path: path)
    } catch {
        throw ImportError(error.description)
    }
}

/// Whether a path names a directory (following symbolic links).
func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// Whether a path names a regular file (following symbolic links).
func isRegularFile(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}

func pathExists(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0
}

/// Reads a whole small file (config.json, an index) into memory.
func readSmallFile(_ path: String, limit: Int = 256 << 20) throws(ImportError) -> [UInt8] {
    let file = try mapSourceFile(path)
    guard file.count <= limit else {
        throw ImportError("cannot read '\(path)': file is larger than \(limit >> 20) MiB")
    }
    return Array(file.bytes)
}

/// Names in a directory, sorted, without "." and "..".
func directoryEntries(_ path: String) throws(ImportError) -> [String] {
    guard let dir = opendir(path) else {
        throw ImportError("cannot list '\(path)': \(String(cString: strerror(errno)))")
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

func joinPath(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
}

/// The last path component, without `suffix` when it ends with it.
func baseName(_ path: String, dropping suffix: String) -> String {
    var name = String(path.split(separator: "/", omittingEmptySubsequences: true).last ?? Substring(path))
    if !suffix.isEmpty, name.hasSuffix(suffix), name.count > suffix.count { name.removeLast(suffix.count) }
    return name
}
