/// Undoes the row order llama.cpp's converter gives Q and K of Llama models
/// (`LlamaModel.permute` in convert_hf_to_gguf.py).
///
/// llama.cpp rotates interleaved pairs (x[2i], x[2i+1]) for the `llama` architecture, so the
/// converter reorders each head's rows to make that equal Hugging Face's rotate-half pairing
/// (x[i], x[i + d/2]). The engine rotates halves for every architecture, so the import puts the
/// rows back: within a head of `d` rows, GGUF row `2i + j` is Hugging Face row `j * d/2 + i`.
///
/// `data` is row-major with `rowLength` values per row (1 for a bias).
func unpermuteRopeRows(_ data: [Float], headCount: Int, rowLength: Int) throws(ImportError) -> [Float] {
    guard headCount > 0, rowLength > 0, data.count % rowLength == 0 else {
        throw ImportError("cannot undo the RoPE row permutation: bad tensor geometry")
    }
    let rows = data.count / rowLength
    guard rows % (2 * headCount) == 0 else {
        throw ImportError("cannot undo the RoPE row permutation: \(rows) rows do not split into \(headCount) heads of even size")
    }
    let headRows = rows / headCount
    let half = headRows / 2
    return [Float](unsafeUninitializedCapacity: data.count) { out, initialized in
        data.withUnsafeBufferPointer { src in
            for h in 0..<headCount {
                let head = h * headRows
                for i in 0..<half {
                    for j in 0..<2 {
                        let from = (head + 2 * i + j) * rowLength
                        let to = (head + j * half + i) * rowLength
                        (out.baseAddress! + to).initialize(from: src.baseAddress! + from, count: rowLength)
                    }
                }
            }
        }
        initialized = data.count
    }
}
