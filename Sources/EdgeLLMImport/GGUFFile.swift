import EdgeLLMModelFile
import CEdgeLLMKernels

/// A metadata value of a GGUF file.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16)
    case uint32(UInt32), int32(Int32), uint64(UInt64), int64(Int64)
    case float32(Float), float64(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    /// Any integer type, when the value fits in `Int`.
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(exactly: v)
        default: return nil
        }
    }

    /// Any float or integer type.
    public var double: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return int.map(Double.init)
        }
    }

    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var array: [GGUFValue]? { if case .array(let a) = self { return a } else { return nil } }
}

/// A tensor type as numbered in GGUF (ggml's numbering), with its block geometry.
public struct GGUFTensorType: Sendable, Equatable, CustomStringConvertible {
    public let rawValue: UInt32
    public let name: String
    /// Elements per block.
    public let blockSize: Int
    /// Bytes per block.
    public let typeSize: Int
    /// Whether EdgeLLM can dequantise it.
    public let canDequantize: Bool

    public init?(rawValue: UInt32) {
        var traits = el_gguf_type_traits()
        guard el_gguf_get_type_traits(rawValue, &traits) == 0 else { return nil }
        self.rawValue = rawValue
        name = String(cString: traits.name)
        blockSize = Int(traits.block_size)
        typeSize = traits.type_size
        canDequantize = traits.can_dequantize != 0
    }

    public var description: String { name }
}

/// Where a tensor lives in a GGUF file.
public struct GGUFTensorInfo: Sendable {
    public let name: String
    /// Dimensions as GGUF lists them: fastest-varying first (`[cols, rows]` for a matrix).
    public let dims: [Int]
    public let type: GGUFTensorType
    /// Absolute byte offset of the data in the file.
    public let fileOffset: Int
    public let byteCount: Int

    public var elementCount: Int { dims.reduce(1, *) }
    /// Dimensions in PyTorch order (slowest first): `[rows, cols]` for a matrix.
    public var shape: [Int] { dims.reversed() }
}

/// A parsed GGUF file (versions 2 and 3): metadata, tensor directory, and the mapped bytes.
///
/// Every read is bounds-checked, every count is checked against the bytes left before anything
/// is allocated for it, and every tensor's data is checked to lie inside the file, so a damaged
/// or hostile file yields an `ImportError` and never a trap.
public struct GGUFFile: Sendable {
    public let path: String
    public let version: UInt32
    public let alignment: Int
    /// Metadata in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    /// Tensors in file order.
    public let tensors: [GGUFTensorInfo]
    private let tensorIndex: [String: Int]
    let file: MappedFile

    public init(path: String) throws(ImportError) {
        try self.init(file: try mapSourceFile(path))
    }

    init(file: MappedFile) throws(ImportError) {
        self.file = file
        path = file.path
        var r = GGUFReader(base: file.base, count: file.count)

        guard file.count >= 4 else { throw ImportError("not a GGUF file: '\(file.path)' is only \(file.count) bytes") }
        guard try r.u32() == 0x4655_4747 else { throw ImportError("not a GGUF file: bad magic") }
        version = try r.u32()
        guard version == 2 || version == 3 else {
            if version == 1 { throw ImportError("unsupported GGUF version 1 (re-convert the model with a current llama.cpp)") }
            if version.byteSwapped == 2 || version.byteSwapped == 3 {
                throw ImportError("unsupported GGUF file: big-endian GGUF files are not supported")
            }
            throw ImportError("unsupported GGUF version \(version)")
        }
        // Minimum encoded sizes: a tensor info is name length + n_dims + one dim + type + offset;
        // a key/value is key length + type + one byte of value.
        let tensorCount = try r.count(minSize: 8 + 4 + 8 + 4 + 8, what: "tensor count")
        let kvCount = try r.count(minSize: 8 + 4 + 1, what: "metadata count")

        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        keys.reserveCapacity(kvCount)
        for _ in 0..<kvCount {
            let key = try r.string()
            let type = try r.u32()
            let value = try r.value(type: type, key: key, depth: 0)
            if metadata.updateValue(value, forKey: key) == nil { keys.append(key) }
        }
        metadataKeys = keys
        self.metadata = metadata

        var alignment = 32
        if let a = metadata["general.alignment"] {
            guard let v = a.int, v > 0, v & (v - 1) == 0, v <= 1 << 20 else {
                throw ImportError("invalid GGUF file: general.alignment must be a power of two")
            }
            alignment = v
        }
        self.alignment = alignment

        struct RawInfo { var name: String; var dims: [Int]; var type: GGUFTensorType; var offset: Int; var bytes: Int }
        var raw: [RawInfo] = []
        raw.reserveCapacity(tensorCount)
        var index: [String: Int] = [:]
        for _ in 0..<tensorCount {
            let name = try r.string()
            let nDims = Int(try r.u32())
            guard (1...4).contains(nDims) else {
                throw ImportError("invalid GGUF file: tensor '\(name)' has \(nDims) dimensions (1 to 4 allowed)")
            }
            var dims: [Int] = []
            var elements = 1
            for _ in 0..<nDims {
                let d = try r.u64()
                // 2^48 elements is far beyond any real model and keeps byte sizes from overflowing.
                guard d <= 1 << 48, Int(d) <= (1 << 48) / max(elements, 1) else {
                    throw ImportError("invalid GGUF file: tensor '\(name)' has an impossible size")
                }
                dims.append(Int(d))
                elements *= Int(d)
            }
            let typeNumber = try r.u32()
            guard let type = GGUFTensorType(rawValue: typeNumber) else {
                throw ImportError("unsupported GGUF tensor type \(typeNumber) in \(name)")
            }
            guard dims[0] % type.blockSize == 0 else {
                throw ImportError("invalid GGUF file: tensor '\(name)' has \(dims[0]) columns, not a multiple of the \(type.name) block size \(type.blockSize)")
            }
            let offset = try r.u64()
            guard offset % UInt64(alignment) == 0 else {
                throw ImportError("invalid GGUF file: tensor '\(name)' has a bad data offset \(offset)")
            }
            guard offset <= UInt64(file.count) else {
                throw ImportError("truncated GGUF file: data of tensor '\(name)' extends past the end of the file")
            }
            guard index[name] == nil else { throw ImportError("invalid GGUF file: tensor '\(name)' appears twice") }
            index[name] = raw.count
            raw.append(RawInfo(name: name, dims: dims, type: type, offset: Int(offset),
                               bytes: elements / type.blockSize * type.typeSize))
        }

        // The tensor data section starts at the next multiple of the alignment.
        let dataStart = (r.offset + alignment - 1) / alignment * alignment
        var infos: [GGUFTensorInfo] = []
        infos.reserveCapacity(raw.count)
        for t in raw {
            guard dataStart <= file.count, t.offset <= file.count - dataStart,
                  t.bytes <= file.count - dataStart - t.offset else {
                throw ImportError("truncated GGUF file: data of tensor '\(t.name)' extends past the end of the file")
            }
            infos.append(GGUFTensorInfo(name: t.name, dims: t.dims, type: t.type,
                                        fileOffset: dataStart + t.offset, byteCount: t.bytes))
        }
        tensors = infos
        tensorIndex = index
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The raw bytes of a tensor, valid while this value (or a copy) is alive.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: file.base + tensor.fileOffset, count: tensor.byteCount)
    }

    /// A tensor's values as float32 in stored order (no layout changes).
    public func dequantize(_ tensor: GGUFTensorInfo) throws(ImportError) -> [Float] {
        let n = tensor.elementCount
        if n == 0 { return [] }
        let src = data(of: tensor)
        var rc: Int32 = 0
        let values = [Float](unsafeUninitializedCapacity: n) { out, initialized in
            rc = el_gguf_dequantize(tensor.type.rawValue, src.baseAddress, out.baseAddress, Int64(n))
            if rc != 0 { out.initialize(repeating: 0) }
            initialized = n
        }
        guard rc == 0 else {
            throw ImportError("unsupported GGUF tensor type '\(tensor.type.name)' in \(tensor.name)")
        }
        return values
    }
}

/// Bounds-checked little-endian reads of the GGUF header.
private struct GGUFReader {
    let base: UnsafeRawPointer
    let count: Int
    var offset = 0

    init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    private func need(_ n: Int, _ what: @autoclosure () -> String) throws(ImportError) {
        guard n >= 0, n <= count - offset else {
            throw ImportError("truncated GGUF file: \(what()) at byte \(offset) runs past the end (\(count) bytes)")
        }
    }

    private mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(ImportError) -> T {
        try need(MemoryLayout<T>.size, what)
        defer { offset += MemoryLayout<T>.size }
        return T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    mutating func u32() throws(ImportError) -> UInt32 { try load(UInt32.self, "a 32-bit field") }
    mutating func u64() throws(ImportError) -> UInt64 { try load(UInt64.self, "a 64-bit field") }

    /// A 64-bit count whose items, each at least `minSize` bytes, must fit in the rest of the file.
    mutating func count(minSize: Int, what: String) throws(ImportError) -> Int {
        let n = try u64()
        let left = UInt64(count - offset)
        guard n <= left / UInt64(max(minSize, 1)) else {
            throw ImportError("truncated GGUF file: \(what) \(n) cannot fit in the \(left) bytes left")
        }
        return Int(n)
    }

    mutating func string() throws(ImportError) -> String {
        let n = try u64()
        guard n <= UInt64(count - offset) else {
            throw ImportError("truncated GGUF file: a string of \(n) bytes at byte \(offset) runs past the end")
        }
        let start = offset
        offset += Int(n)
        // Token strings may hold partial UTF-8 sequences in some vocabularies; decoding repairs
        // them rather than rejecting the file.
        return String(decoding: UnsafeRawBufferPointer(start: base + start, count: Int(n)), as: UTF8.self)
    }

    /// Minimum encoded size of one value of a type, to bound array counts before reading them.
    private static func minSize(of type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 10, 11, 12: return 8
        case 8: return 8 // length prefix
        case 9: return 12 // element type + count
        default: return nil
        }
    }

    mutating func value(type: UInt32, key: String, depth: Int) throws(ImportError) -> GGUFValue {
        switch type {
        case 0: return .uint8(try load(UInt8.self, "'\(key)'"))
        case 1: return .int8(try load(Int8.self, "'\(key)'"))
        case 2: return .uint16(try load(UInt16.self, "'\(key)'"))
        case 3: return .int16(try load(Int16.self, "'\(key)'"))
        case 4: return .uint32(try load(UInt32.self, "'\(key)'"))
        case 5: return .int32(try load(Int32.self, "'\(key)'"))
        case 6: return .float32(Float(bitPattern: try load(UInt32.self, "'\(key)'")))
        case 7: return .bool(try load(UInt8.self, "'\(key)'") != 0)
        case 8: return .string(try string())
        case 9:
            guard depth < 8 else { throw ImportError("invalid GGUF file: arrays nested too deeply in '\(key)'") }
            let elementType = try u32()
            guard let size = Self.minSize(of: elementType) else {
                throw ImportError("invalid GGUF file: unknown value type \(elementType) in '\(key)'")
            }
            let n = try count(minSize: size, what: "array length of '\(key)'")
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try value(type: elementType, key: key, depth: depth + 1)) }
            return .array(items)
        case 10: return .uint64(try load(UInt64.self, "'\(key)'"))
        case 11: return .int64(try load(Int64.self, "'\(key)'"))
        case 12: return .float64(Double(bitPattern: try load(UInt64.self, "'\(key)'")))
        default: throw ImportError("invalid GGUF file: unknown value type \(type) for '\(key)'")
        }
    }
}
