import EdgeLLMModelFile
import CEdgeLLMKernels

/// One safetensors file: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data.
struct SafetensorsFile: Sendable {
    struct Entry: Sendable {
        let name: String
        let dtype: String
        let shape: [Int]
        /// Absolute byte offset in the file.
        let offset: Int
        let byteCount: Int
        var elementCount: Int { shape.reduce(1, *) }
    }

    /// Bytes per element of every dtype the format defines, so ranges can be checked even for
    /// tensors that are never loaded.
    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
        "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4,
        "I64": 8, "U64": 8, "F64": 8,
    ]

    let path: String
    /// Tensors in data order.
    let entries: [Entry]
    let file: MappedFile

    init(path: String) throws(ImportError) {
        let file = try mapSourceFile(path)
        self.file = file
        self.path = path
        let name = baseName(path, dropping: "")
        guard file.count >= 8 else { throw ImportError("truncated safetensors file '\(name)'") }
        let headerLength = UInt64(littleEndian: file.base.loadUnaligned(as: UInt64.self))
        // The format caps the header at 100 MB.
        guard headerLength <= 100_000_000, headerLength <= UInt64(file.count - 8) else {
            throw ImportError("truncated safetensors file '\(name)': header of \(headerLength) bytes does not fit")
        }
        let header = UnsafeRawBufferPointer(start: file.base + 8, count: Int(headerLength))
        guard case .object(let object) = try JSONValue.parse(header, what: "the header of '\(name)'") else {
            throw ImportError("invalid safetensors file '\(name)': the header is not a JSON object")
        }
        let dataStart = 8 + Int(headerLength)
        let dataLength = file.count - dataStart
        var entries: [Entry] = []
        for (key, value) in object where key != "__metadata__" {
            guard let dtype = value["dtype"]?.string,
                  let shapeValues = value["shape"]?.array,
                  let offsets = value["data_offsets"]?.array, offsets.count == 2,
                  let begin = offsets[0].int, let end = offsets[1].int else {
                throw ImportError("invalid safetensors file '\(name)': bad entry for '\(key)'")
            }
            var shape: [Int] = []
            var elements = 1
            for v in shapeValues {
                guard let d = v.int, d >= 0, d <= 1 << 48, d <= (1 << 48) / max(elements, 1) else {
                    throw ImportError("invalid safetensors file '\(name)': bad shape for '\(key)'")
                }
                shape.append(d)
                elements *= d
            }
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw ImportError("truncated safetensors file '\(name)': data of '\(key)' extends past the end of the file")
            }
            if let size = Self.dtypeSizes[dtype], end - begin != elements * size {
                throw ImportError("invalid safetensors file '\(name)': '\(key)' has \(end - begin) bytes for shape \(shape) of \(dtype)")
            }
            entries.append(Entry(name: key, dtype: dtype, shape: shape, offset: dataStart + begin, byteCount: end - begin))
        }
        self.entries = entries.sorted { $0.offset < $1.offset }
    }

    func data(of entry: Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: file.base + entry.offset, count: entry.byteCount)
    }

    /// The tensor as float32, for the float dtypes models are published in.
    func loadFloat32(_ entry: Entry) throws(ImportError) -> [Float] {
        let type: el_gguf_type
        switch entry.dtype {
        case "F32": type = EL_GGUF_F32
        case "F16": type = EL_GGUF_F16
        case "BF16": type = EL_GGUF_BF16
        default: throw ImportError("unsupported safetensors dtype '\(entry.dtype)' in \(entry.name)")
        }
        let n = entry.elementCount
        if n == 0 { return [] }
        let src = data(of: entry)
        return [Float](unsafeUninitializedCapacity: n) { out, initialized in
            _ = el_gguf_dequantize(type.rawValue, src.baseAddress, out.baseAddress, Int64(n))
            initialized = n
        }
    }
}
