#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file. Weights are used in place from the map, so loading a
/// model costs no copy and the kernel can share and evict pages.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let base: UnsafeRawPointer
    public let count: Int

    public init(path: String) throws(ModelFileError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ModelFileError("cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw ModelFileError("cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw ModelFileError("cannot read '\(path)': not a regular file")
        }
        count = Int(st.st_size)
        guard count > 0 else {
            // mmap refuses empty files; an empty model file is simply truncated.
            base = UnsafeRawPointer(bitPattern: 1)!
            return
        }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw ModelFileError("cannot map '\(path)': \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if count > 0 { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Touches every page from `offset` on now (and optionally locks them), so that no page fault
    /// happens later in the per-token loop.
    public func prefault(lock: Bool, from offset: Int = 0) -> Bool {
        guard count > 0 else { return true }
        let page = Self.pageSize
        let start = pageStart(of: offset)
        guard start < count else { return true }
        let raw = UnsafeMutableRawPointer(mutating: base) + start
        _ = madvise(raw, count - start, MADV_WILLNEED)
        var sum: UInt8 = 0
        var i = start
        while i < count {
            sum &+= base.load(fromByteOffset: i, as: UInt8.self)
            i += page
        }
        withExtendedLifetime(sum) {}
        return lock ? mlock(raw, count - start) == 0 : true
    }

    static var pageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }

    /// The start of the page that holds byte `offset` (clamped to the map).
    private func pageStart(of offset: Int) -> Int {
        min(max(offset, 0), count) / Self.pageSize * Self.pageSize
    }

    /// Lets the kernel drop the resident pages that lie wholly before `offset` (bytes already
    /// parsed and copied out, such as the metadata). The map stays valid: a later read of those
    /// bytes faults them back in from the file.
    public func release(before offset: Int) {
        guard count > 0 else { return }
        let end = pageStart(of: offset)
        guard end > 0 else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base), end, MADV_DONTNEED)
    }
}

/// Bounds-checked little-endian reads over a mapped region. Every read can fail with a
/// "truncated" error instead of reading past the end.
struct ByteReader {
    let base: UnsafeRawPointer
    let count: Int
    var offset = 0

    init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    private func need(_ n: Int) throws(ModelFileError) {
        guard n >= 0, offset <= count, n <= count - offset else {
            throw ModelFileError("Invalid model format: file is truncated (needed \(n) bytes at offset \(offset) of \(count))")
        }
    }

    mutating func bytes(_ n: Int) throws(ModelFileError) -> UnsafeRawBufferPointer {
        try need(n)
        defer { offset += n }
        return UnsafeRawBufferPointer(start: base + offset, count: n)
    }

    mutating func u8() throws(ModelFileError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return base.load(fromByteOffset: offset, as: UInt8.self)
    }

    mutating func u32() throws(ModelFileError) -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func u64() throws(ModelFileError) -> UInt64 {
        try need(8)
        defer { offset += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// A count that must fit in what is left of the file, each item taking at least `minSize`.
    mutating func count(minSize: Int) throws(ModelFileError) -> Int {
        let n = try u64()
        guard n <= UInt64(count - offset) / UInt64(max(minSize, 1)) else {
            throw ModelFileError("Invalid model format: file is truncated (a count of \(n) items cannot fit)")
        }
        return Int(n)
    }

    mutating func string32() throws(ModelFileError) -> String {
        let n = Int(try u32())
        return try string(n)
    }

    mutating func string64() throws(ModelFileError) -> String {
        let n = try count(minSize: 1)
        return try string(n)
    }

    private mutating func string(_ n: Int) throws(ModelFileError) -> String {
        let b = try bytes(n)
        guard let s = String(validating: b, as: UTF8.self) else {
            throw ModelFileError("Invalid model format: a string at offset \(offset - n) is not UTF-8")
        }
        return s
    }
}
