import EdgeLLMModelFile
import EdgeLLMTokenizer

/// A base model with a LoRA adapter merged in: the same tensors, config and tokenizer, where each
/// adapted linear is W + scale · B·A. Merging at conversion time means the engine runs the
/// fine-tuned model at the speed of the base one, and any --weights type quantises the merged
/// weights (quantising W and adding a float update at run time would not be the trained model).
public final class LoRAMergedModel: SourceModel {
    public let base: SourceModel
    public let adapter: LoRAAdapter

    /// Checks every target against the base model now, so a mismatched adapter fails before any
    /// output is written.
    public init(base: SourceModel, adapter: LoRAAdapter) throws {
        let names = Set(base.tensorNames)
        for target in adapter.targets {
            guard names.contains(target) else {
                throw ImportError("LoRA adapter '\(adapter.name)' adapts \(target), which \(base.sourceDescription) does not have")
            }
            let shape = try base.shape(of: target)
            let update = adapter.updateShape(target)
            guard shape == update else {
                throw ImportError("LoRA adapter '\(adapter.name)' has an update of shape \(update ?? []) for \(target), which has shape \(shape) in \(base.sourceDescription)")
            }
        }
        self.base = base
        self.adapter = adapter
    }

    public var sourceDescription: String { "\(base.sourceDescription) + lora:\(adapter.name)" }
    public var config: ModelConfig { base.config }
    public var tokenizer: TokenizerConfig { base.tokenizer }
    public var tensorNames: [String] { base.tensorNames }
    public func shape(of name: String) throws -> [Int] { try base.shape(of: name) }

    public func loadFloat32(_ name: String) throws -> [Float] {
        var w = try base.loadFloat32(name)
        guard let f = try adapter.factors(name) else { return w }
        let rank = f.aShape[0], rows = f.bShape[0], cols = f.aShape[1]
        guard w.count == rows * cols else {
            throw ImportError("tensor \(name): \(w.count) values for the LoRA update's \(rows)×\(cols)")
        }
        Self.addProduct(to: &w, scale: adapter.scale, b: f.b, a: f.a, rows: rows, cols: cols, rank: rank)
        return w
    }

    /// w[i, j] += scale · Σₖ b[i, k] · a[k, j], all row-major as PyTorch stores them. Summed in
    /// Double (the rank is small, so this is cheap) so the result is the exactly rounded update.
    static func addProduct(to w: inout [Float], scale: Float, b: [Float], a: [Float], rows: Int, cols: Int, rank: Int) {
        let s = Double(scale)
        var row = [Double](repeating: 0, count: cols)
        for i in 0..<rows {
            for j in 0..<cols { row[j] = 0 }
            for k in 0..<rank {
                let bik = Double(b[i * rank + k])
                if bik == 0 { continue }
                let aRow = k * cols
                for j in 0..<cols { row[j] += bik * Double(a[aRow + j]) }
            }
            for j in 0..<cols { w[i * cols + j] = Float(Double(w[i * cols + j]) + s * row[j]) }
        }
    }
}
