#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a TM2 file: header, metadata and tensor directory first, then each tensor's data in
/// directory order, so a converter holds only one tensor in memory at a time.
public final class TM2Writer {
    private let file: UnsafeMutablePointer<FILE>
    private let path: String
    private var tensors: [TensorInfo]
    private var next = 0
    private var position = 0
    private let dataOffset: Int

    /// `tensors` gives name, type, shape and scale count; offsets and sizes are computed here.
    public init(path: String, metadata: Metadata, tensors specs: [TensorInfo]) throws(ModelFileError) {
        var tensors = specs
        var offset = 0
        for i in tensors.indices {
            try Self.validate(tensors[i])
            tensors[i].offset = offset
            tensors[i].size = tensors[i].expectedSize
            offset = Self.align(offset + tensors[i].size)
        }
        var head = ByteWriter()
        head.bytes(TM2Format.magic)
        head.u32(TM2Format.version)
        head.u64(UInt64(metadata.entries.count))
        head.u64(UInt64(tensors.count))
        let dataOffsetSlot = head.buffer.count
        head.u64(0)
        head.u64(0) // file size
        head.u64(0)
        for (key, value) in metadata.entries {
            head.string32(key)
            head.value(value)
        }
        for t in tensors {
            head.string32(t.name)
            head.u32(t.type.rawValue)
            head.u32(UInt32(t.shape.count))
            for d in t.shape { head.u64(UInt64(d)) }
            head.u64(UInt64(t.scaleCount))
            head.u64(UInt64(t.offset))
            head.u64(UInt64(t.size))
        }
        let dataOffset = Self.align(head.buffer.count)
        let fileSize = dataOffset + (tensors.last.map { $0.offset + $0.size } ?? 0)
        head.patchU64(at: dataOffsetSlot, UInt64(dataOffset))
        head.patchU64(at: dataOffsetSlot + 8, UInt64(fileSize))
        head.buffer.append(contentsOf: repeatElement(0, count: dataOffset - head.buffer.count))

        guard let file = fopen(path, "wb") else {
            throw ModelFileError("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        self.file = file
        self.path = path
        self.tensors = tensors
        self.dataOffset = dataOffset
        try write(head.buffer)
    }

    deinit { fclose(file) }

    public var plannedTensors: [TensorInfo] { tensors }

    /// Appends the next tensor's bytes (its directory order). `bytes.count` must equal its size.
    public func writeTensor(_ bytes: UnsafeRawBufferPointer) throws(ModelFileError) {
        guard next < tensors.count else { throw ModelFileError("TM2 writer: more tensors than planned") }
        let t = tensors[next]
        guard bytes.count == t.size else {
            throw ModelFileError("TM2 writer: \(t.name) has \(bytes.count) bytes, expected \(t.size)")
        }
        let padding = t.offset - position
        if padding > 0 { try write([UInt8](repeating: 0, count: padding)) }
        if fwrite(bytes.baseAddress, 1, bytes.count, file) != bytes.count {
            throw ModelFileError("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        position = t.offset + t.size
        next += 1
    }

    public func writeTensor(_ bytes: [UInt8]) throws(ModelFileError) {
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(ModelFileError) in try writeTensor(buffer) } }
        try result.get()
    }

    public func finish() throws(ModelFileError) {
        guard next == tensors.count else {
            throw ModelFileError("TM2 writer: \(tensors.count - next) tensors were never written")
        }
        if fflush(file) != 0 { throw ModelFileError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
    }

    private func write(_ bytes: [UInt8]) throws(ModelFileError) {
        if fwrite(bytes, 1, bytes.count, file) != bytes.count {
            throw ModelFileError("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    static func align(_ n: Int) -> Int { (n + TM2Format.alignment - 1) / TM2Format.alignment * TM2Format.alignment }

    static func validate(_ t: TensorInfo) throws(ModelFileError) {
        guard t.shape.count == 1 || t.shape.count == 2, t.shape.allSatisfy({ $0 > 0 }) else {
            throw ModelFileError("tensor \(t.name): shape \(t.shape) is not a vector or a matrix")
        }
        guard t.cols % t.type.blockSize == 0 else {
            throw ModelFileError("tensor \(t.name): rows of \(t.cols) cannot be stored as \(t.type) (need a multiple of \(t.type.blockSize))")
        }
        if t.type == .ternary {
            guard t.scaleCount == 1 || t.scaleCount == t.rows else {
                throw ModelFileError("tensor \(t.name): ternary needs 1 scale or one per row, not \(t.scaleCount)")
            }
        }
    }
}

/// Little-endian serialisation of the header section.
struct ByteWriter {
    var buffer: [UInt8] = []

    mutating func bytes(_ b: [UInt8]) { buffer.append(contentsOf: b) }
    mutating func u8(_ v: UInt8) { buffer.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) } }
    mutating func string32(_ s: String) {
        u32(UInt32(s.utf8.count))
        buffer.append(contentsOf: s.utf8)
    }
    mutating func string64(_ s: String) {
        u64(UInt64(s.utf8.count))
        buffer.append(contentsOf: s.utf8)
    }
    mutating func patchU64(at offset: Int, _ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { raw in
            for i in 0..<8 { buffer[offset + i] = raw[i] }
        }
    }

    mutating func value(_ v: MetadataValue) {
        u8(v.kind)
        switch v {
        case .bool(let b): u8(b ? 1 : 0)
        case .int(let i): u64(UInt64(bitPattern: i))
        case .float(let f): u64(f.bitPattern)
        case .string(let s): string64(s)
        case .strings(let a):
            u64(UInt64(a.count))
            for s in a { string64(s) }
        case .ints(let a):
            u64(UInt64(a.count))
            for i in a { u32(UInt32(bitPattern: i)) }
        }
    }
}
