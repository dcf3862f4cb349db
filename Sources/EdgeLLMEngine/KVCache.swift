import CEdgeLLMKernels
import EdgeLLMModelFile

/// Keys and values of every layer for up to `capacity` positions, allocated once per session.
/// f16 by default: half the memory of f32 for a negligible change in the logits.
public final class KVCache: @unchecked Sendable {
    public enum Precision: String, Sendable, CaseIterable { case f16, f32 }

    public let capacity: Int
    public let precision: Precision
    let layerCount: Int
    let kvDim: Int
    private let storage: UnsafeMutableRawPointer
    private let layerBytes: Int
    /// Positions filled so far.
    public internal(set) var count = 0

    public init(config: ModelConfig, capacity: Int, precision: Precision) {
        self.capacity = capacity
        self.precision = precision
        layerCount = config.layerCount
        kvDim = config.kvDim
        layerBytes = capacity * config.kvDim * Self.elementSize(precision)
        let total = 2 * layerCount * layerBytes
        storage = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: max(total, 1))
    }

    deinit { storage.deallocate() }

    /// 2 × n_layers × seq_len × kv_dim × bytes.
    public static func byteCount(config: ModelConfig, capacity: Int, precision: Precision) -> Int {
        2 * config.layerCount * capacity * config.kvDim * elementSize(precision)
    }

    static func elementSize(_ p: Precision) -> Int { p == .f16 ? 2 : 4 }

    var isF16: Int32 { precision == .f16 ? 1 : 0 }

    func keys(layer: Int) -> UnsafeMutableRawPointer { storage + (2 * layer) * layerBytes }
    func values(layer: Int) -> UnsafeMutableRawPointer { storage + (2 * layer + 1) * layerBytes }

    func store(layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        let offset = position * kvDim * Self.elementSize(precision)
        el_store_kv(keys(layer: layer) + offset, key, Int64(kvDim), isF16)
        el_store_kv(values(layer: layer) + offset, value, Int64(kvDim), isF16)
    }

    /// Forget everything after `position` (a shared prompt prefix stays cached).
    public func truncate(to position: Int) { count = min(count, max(position, 0)) }
}
