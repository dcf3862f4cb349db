/// Unpacks transformers' 2-bit BitNet weights (`unpack_weights` in
/// transformers/integrations/bitnet.py) and applies the tensor's `weight_scale`.
///
/// A packed matrix of `packedRows` rows holds `4 * packedRows` rows: bits `2i..2i+1` of
/// `packed[r][c]` are row `i * packedRows + r`, stored as the ternary value plus one. Like
/// transformers, the code is not range-checked (code 3 reads as 2).
func unpackBitNetWeights(_ packed: UnsafeRawBufferPointer, packedRows: Int, cols: Int,
                         scale: Float, divide: Bool) -> [Float] {
    let n = packedRows * cols
    precondition(packed.count >= n)
    return [Float](unsafeUninitializedCapacity: 4 * n) { out, initialized in
        for i in 0..<4 {
            let shift = UInt8(2 * i)
            for k in 0..<n {
                let value = Float(Int((packed[k] >> shift) & 3) - 1)
                out[i * n + k] = divide ? value / scale : value * scale
            }
        }
        initialized = 4 * n
    }
}
