/// A TM2 model file opened for use: header, metadata and tensor directory parsed and checked,
/// tensor data used in place from the memory map.
public final class TM2File: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    /// The file's metadata, less what `discardMetadata` dropped.
    public private(set) var metadata: Metadata
    public let tensors: [TensorInfo]
    public let mapping: MappedFile
    private let dataOffset: Int
    private let byName: [String: Int]

    public init(path: String) throws(ModelFileError) {
        let mapping = try MappedFile(path: path)
        self.mapping = mapping
        self.path = path
        var r = ByteReader(base: mapping.base, count: mapping.count)
        guard mapping.count >= 4, Array(try r.bytes(4)) == TM2Format.magic else {
            throw ModelFileError.badMagic
        }
        version = try r.u32()
        guard version == TM2Format.version else {
            throw ModelFileError("Invalid model format: TM2 version \(version) is not supported (this build reads version \(TM2Format.version))")
        }
        let metadataCount = try r.count(minSize: 6)
        let tensorCount = try r.count(minSize: 32)
        let dataOffset = Int(clamping: try r.u64())
        let fileSize = Int(clamping: try r.u64())
        _ = try r.u64()
        guard fileSize == mapping.count else {
            if mapping.count < fileSize {
                throw ModelFileError("Invalid model format: file is truncated (\(mapping.count) of \(fileSize) bytes)")
            }
            throw ModelFileError("Invalid model format: file has \(mapping.count - fileSize) bytes of trailing garbage")
        }

        var metadata = Metadata()
        for _ in 0..<metadataCount {
            let key = try r.string32()
            metadata[key] = try Self.readValue(&r)
        }
        var tensors: [TensorInfo] = []
        tensors.reserveCapacity(tensorCount)
        for _ in 0..<tensorCount {
            let name = try r.string32()
            let rawType = try r.u32()
            guard let type = TensorType(rawValue: rawType) else {
                throw ModelFileError("Invalid model format: tensor \(name) has unknown type \(rawType)")
            }
            let ndim = Int(try r.u32())
            guard ndim == 1 || ndim == 2 else {
                throw ModelFileError("Invalid model format: tensor \(name) has \(ndim) dimensions")
            }
            var shape: [Int] = []
            for _ in 0..<ndim {
                let d = try r.u64()
                guard d > 0, d < 1 << 32 else {
                    throw ModelFileError("Invalid model format: tensor \(name) has a dimension of \(d)")
                }
                shape.append(Int(d))
            }
            let scaleCount = Int(clamping: try r.u64())
            let offset = Int(clamping: try r.u64())
            let size = Int(clamping: try r.u64())
            let info = TensorInfo(name: name, type: type, shape: shape, scaleCount: scaleCount, offset: offset, size: size)
            do {
                try TM2Writer.validate(info)
            } catch {
                throw ModelFileError("Invalid model format: \(error.description)")
            }
            guard size == info.expectedSize else {
                throw ModelFileError("Invalid model format: tensor \(name) \(shape) of type \(type) should take \(info.expectedSize) bytes, not \(size)")
            }
            guard offset % TM2Format.alignment == 0,
                  dataOffset <= mapping.count, offset <= mapping.count - dataOffset,
                  size <= mapping.count - dataOffset - offset else {
                throw ModelFileError("Invalid model format: tensor \(name) lies outside the file")
            }
            tensors.append(info)
        }
        guard dataOffset >= r.offset, dataOffset % TM2Format.alignment == 0 else {
            throw ModelFileError("Invalid model format: bad data offset \(dataOffset)")
        }
        var byName: [String: Int] = [:]
        for (i, t) in tensors.enumerated() {
            guard byName.updateValue(i, forKey: t.name) == nil else {
                throw ModelFileError("Invalid model format: tensor \(t.name) appears twice")
            }
        }
        self.metadata = metadata
        self.tensors = tensors
        self.dataOffset = dataOffset
        self.byName = byName
    }

    public var fileSize: Int { mapping.count }

    /// Where the tensor data starts: everything before it (header, metadata, tensor directory) has
    /// been parsed into Swift values by init.
    public var tensorDataOffset: Int { dataOffset }

    /// Drops metadata entries whose contents the caller has consumed (the tokenizer's merges: ~49k
    /// strings a session never reads again). Only while no other thread can see this file yet.
    public func discardMetadata(_ keys: [String]) {
        for key in keys { metadata[key] = nil }
    }

    public func info(_ name: String) -> TensorInfo? { byName[name].map { tensors[$0] } }

    /// The tensor's bytes in the map (valid while this file is alive).
    public func data(_ info: TensorInfo) -> UnsafeRawPointer {
        mapping.base + dataOffset + info.offset
    }

    /// Ternary scales, which follow the codes.
    public func scales(_ info: TensorInfo) -> UnsafePointer<Float>? {
        guard info.type == .ternary else { return nil }
        let codes = info.type.rowSize(cols: info.cols) * info.rows
        return (data(info) + codes).assumingMemoryBound(to: Float.self)
    }

    private static func readValue(_ r: inout ByteReader) throws(ModelFileError) -> MetadataValue {
        let kind = try r.u8()
        switch kind {
        case 0: return .bool(try r.u8() != 0)
        case 1: return .int(Int64(bitPattern: try r.u64()))
        case 2: return .float(Double(bitPattern: try r.u64()))
        case 3: return .string(try r.string64())
        case 4:
            let n = try r.count(minSize: 8)
            var a: [String] = []
            a.reserveCapacity(n)
            for _ in 0..<n { a.append(try r.string64()) }
            return .strings(a)
        case 5:
            let n = try r.count(minSize: 4)
            var a: [Int32] = []
            a.reserveCapacity(n)
            for _ in 0..<n { a.append(Int32(bitPattern: try r.u32())) }
            return .ints(a)
        default:
            throw ModelFileError("Invalid model format: unknown metadata kind \(kind) at offset \(r.offset - 1)")
        }
    }
}
