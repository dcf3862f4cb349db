import CEdgeLLMKernels

/// How a tensor's numbers are stored. Raw values are the TM2 on-disk numbers.
public enum TensorType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q8_0 = 2
    case q4_0 = 3
    /// BitNet b1.58 ternary: 2-bit codes, 32 weights in 8 bytes, float scales after the codes.
    case ternary = 4

    public init?(name: String) {
        switch name.lowercased() {
        case "f32": self = .f32
        case "f16": self = .f16
        case "q8_0", "q8": self = .q8_0
        case "q4_0", "q4": self = .q4_0
        case "ternary", "tq2", "tq2_0", "i2": self = .ternary
        default: return nil
        }
    }

    public var description: String { String(cString: el_type_name(cType)) }
    public var cType: el_type { el_type(rawValue: rawValue) }

    /// Block types need rows whose length is a multiple of 32.
    public var blockSize: Int { self == .f32 || self == .f16 ? 1 : Int(EL_QK) }

    public func rowSize(cols: Int) -> Int { Int(el_row_size(cType, Int64(cols))) }

    public func tensorSize(rows: Int, cols: Int, scaleCount: Int) -> Int {
        Int(el_tensor_size(cType, Int64(rows), Int64(cols), Int64(scaleCount)))
    }
}
