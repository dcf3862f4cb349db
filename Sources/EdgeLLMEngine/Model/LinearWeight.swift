import CEdgeLLMKernels
import EdgeLLMModelFile

/// A weight matrix used in place from the memory-mapped model file.
public struct LinearWeight: @unchecked Sendable {
    public let name: String
    public let type: TensorType
    public let rows: Int
    public let cols: Int
    let data: UnsafeRawPointer
    let scales: UnsafePointer<Float>?
    let scaleCount: Int

    init(file: TM2File, info: TensorInfo) {
        name = info.name
        type = info.type
        rows = info.rows
        cols = info.cols
        data = file.data(info)
        scales = file.scales(info)
        scaleCount = info.scaleCount
    }

    var activationType: el_act_type { el_act_type_for(type.cType) }

    /// y[t * ldy + r] = W[r] · x[t] for every token t, with x already quantised for this type.
    func apply(to xq: UnsafeRawPointer, tokens: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        el_matmul(type.cType, y, Int64(ldy), data, xq, Int64(rows), Int64(cols), Int64(tokens),
                  scales, Int64(scaleCount), 0)
    }

    /// The same product as `apply(to:tokens:into:ldy:)`, as a task a thread pool splits by rows.
    func task(_ xq: UnsafeRawPointer, tokens: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) -> el_matmul_task {
        el_matmul_task(type: type.cType, y: y, ldy: Int64(ldy), w: data, xq: xq, rows: Int64(rows), cols: Int64(cols),
                       ntok: Int64(tokens), scales: scales, n_scales: Int64(scaleCount), row0: 0)
    }

    /// Rows `rows` only, written to y[t * ldy + (r - rows.lowerBound)].
    func apply(rows: Range<Int>, to xq: UnsafeRawPointer, tokens: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        el_matmul(type.cType, y, Int64(ldy), data + rows.lowerBound * type.rowSize(cols: cols), xq,
                  Int64(rows.count), Int64(cols), Int64(tokens), scales, Int64(scaleCount), Int64(rows.lowerBound))
    }

    /// One row as floats (an embedding lookup).
    func row(_ r: Int, into y: UnsafeMutablePointer<Float>) {
        let rowBytes = type.rowSize(cols: cols)
        let scale: Float = scales.map { scaleCount == 1 ? $0[0] : $0[r] } ?? 1
        el_dequantize_row(type.cType, data + r * rowBytes, y, Int64(cols), scale)
    }
}
