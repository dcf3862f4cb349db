/// Layout constants of the TM2 file (docs/tm2-format.md is the full description).
public enum TM2Format {
    /// "TM2\0".
    public static let magic: [UInt8] = [0x54, 0x4D, 0x32, 0x00]
    public static let version: UInt32 = 1
    public static let headerSize = 48
    /// Tensor data starts on this boundary, so SIMD loads and mmap'd pages line up.
    public static let alignment = 64
}

/// One entry of the tensor directory.
public struct TensorInfo: Sendable, Equatable {
    public var name: String
    public var type: TensorType
    /// PyTorch order: [rows, cols] for matrices, [n] for vectors.
    public var shape: [Int]
    /// Ternary tensors: 1 scale per tensor, or one per row. 0 for other types.
    public var scaleCount: Int
    /// Offset from the start of the data section.
    public var offset: Int
    public var size: Int

    public init(name: String, type: TensorType, shape: [Int], scaleCount: Int = 0, offset: Int = 0, size: Int = 0) {
        self.name = name
        self.type = type
        self.shape = shape
        self.scaleCount = scaleCount
        self.offset = offset
        self.size = size
    }

    public var rows: Int { shape.count == 2 ? shape[0] : 1 }
    public var cols: Int { shape.last ?? 0 }
    public var elementCount: Int { shape.reduce(1, *) }
    public var expectedSize: Int { type.tensorSize(rows: rows, cols: cols, scaleCount: scaleCount) }
}
