import CEdgeLLMKernels
import EdgeLLMModelFile

/// Keys and values of every layer for up to `capacity` positions, allocated once per session.
/// f16 by default: half the memory of f32 for a negligible change in the logits. q8_0 (blocks of
/// 32 int8 values with an f16 scale, 1.0625 bytes a value) halves it again, for heads whose size
/// is a multiple of 32.
public final class KVCache: @unchecked Sendable {
    public enum Precision: String, Sendable, CaseIterable {
        case f16, f32
        case q8_0

        /// The kernels' `el_kv_type`, as the `int` their signatures take.
        var kernelType: Int32 {
            let type: el_kv_type = switch self {
            case .f32: EL_KV_F32
            case .f16: EL_KV_F16
            case .q8_0: EL_KV_Q8_0
            }
            return Int32(type.rawValue)
        }
    }

    public let capacity: Int
    public let precision: Precision
    let layerCount: Int
    let kvDim: Int
    private let storage: UnsafeMutableRawPointer
    private let rowBytes: Int
    private let layerBytes: Int
    /// Positions filled so far.
    public internal(set) var count = 0

    public init(config: ModelConfig, capacity: Int, precision: Precision) throws(EngineError) {
        if let problem = Self.unsupported(config: config, precision: precision) { throw EngineError(problem) }
        self.capacity = capacity
        self.precision = precision
        layerCount = config.layerCount
        kvDim = config.kvDim
        rowBytes = el_kv_bytes(precision.kernelType, Int64(config.kvDim))
        layerBytes = capacity * rowBytes
        let total = 2 * layerCount * layerBytes
        storage = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: max(total, 1))
    }

    deinit { storage.deallocate() }

    /// Why this model cannot cache in `precision`, or nil.
    public static func unsupported(config: ModelConfig, precision: Precision) -> String? {
        guard precision == .q8_0, config.headDim % 32 != 0 else { return nil }
        return "a q8_0 KV cache needs a head size that is a multiple of 32; this model's is \(config.headDim) (use --kv f16)"
    }

    /// 2 × n_layers × seq_len × kv_dim × bytes (q8_0: 34 bytes per 32 values).
    public static func byteCount(config: ModelConfig, capacity: Int, precision: Precision) -> Int {
        2 * config.layerCount * capacity * el_kv_bytes(precision.kernelType, Int64(config.kvDim))
    }

    var kernelType: Int32 { precision.kernelType }

    func keys(layer: Int) -> UnsafeMutableRawPointer { storage + (2 * layer) * layerBytes }
    func values(layer: Int) -> UnsafeMutableRawPointer { storage + (2 * layer + 1) * layerBytes }

    func store(layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        let offset = position * rowBytes
        el_store_kv(keys(layer: layer) + offset, key, Int64(kvDim), kernelType)
        el_store_kv(values(layer: layer) + offset, value, Int64(kvDim), kernelType)
    }

    /// Forget everything after `position` (a shared prompt prefix stays cached).
    public func truncate(to position: Int) { count = min(count, max(position, 0)) }
}
