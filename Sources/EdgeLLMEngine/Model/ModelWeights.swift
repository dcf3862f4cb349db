import EdgeLLMModelFile

/// The tensors of one transformer block.
struct BlockWeights: @unchecked Sendable {
    let attnNorm: UnsafePointer<Float>
    let wq, wk, wv, wo: LinearWeight
    let bq, bk, bv: UnsafePointer<Float>?
    let attnSubNorm: UnsafePointer<Float>?
    let ffnNorm: UnsafePointer<Float>
    let wGate, wUp, wDown: LinearWeight
    let ffnSubNorm: UnsafePointer<Float>?
}

/// Every tensor the forward pass reads, looked up once and checked against the configuration,
/// so that a file whose shapes disagree with its metadata is refused at load, not mid-generation.
struct ModelWeights: @unchecked Sendable {
    let tokenEmbedding: LinearWeight
    let outputNorm: UnsafePointer<Float>
    let output: LinearWeight
    let blocks: [BlockWeights]

    init(file: TM2File, config c: ModelConfig, traits: ArchitectureTraits) throws(ModelFileError) {
        func matrix(_ name: String, _ rows: Int, _ cols: Int) throws(ModelFileError) -> LinearWeight {
            let info = try Self.find(file, name, shape: [rows, cols])
            return LinearWeight(file: file, info: info)
        }
        func vector(_ name: String, _ n: Int) throws(ModelFileError) -> UnsafePointer<Float> {
            let info = try Self.find(file, name, shape: [n])
            guard info.type == .f32 else {
                throw ModelFileError("Invalid model format: tensor \(name) must be f32, not \(info.type)")
            }
            return file.data(info).assumingMemoryBound(to: Float.self)
        }

        tokenEmbedding = try matrix(TensorName.tokenEmbedding, c.vocabSize, c.dim)
        outputNorm = try vector(TensorName.outputNorm, c.dim)
        output = file.info(TensorName.output) == nil && c.tiedEmbeddings
            ? tokenEmbedding
            : try matrix(TensorName.output, c.vocabSize, c.dim)
        var blocks: [BlockWeights] = []
        for l in 0..<c.layerCount {
            blocks.append(BlockWeights(
                attnNorm: try vector(TensorName.attnNorm(l), c.dim),
                wq: try matrix(TensorName.attnQ(l), c.qDim, c.dim),
                wk: try matrix(TensorName.attnK(l), c.kvDim, c.dim),
                wv: try matrix(TensorName.attnV(l), c.kvDim, c.dim),
                wo: try matrix(TensorName.attnOutput(l), c.dim, c.qDim),
                bq: traits.attentionBias ? try vector(TensorName.attnQBias(l), c.qDim) : nil,
                bk: traits.attentionBias ? try vector(TensorName.attnKBias(l), c.kvDim) : nil,
                bv: traits.attentionBias ? try vector(TensorName.attnVBias(l), c.kvDim) : nil,
                attnSubNorm: traits.attentionSubNorm ? try vector(TensorName.attnSubNorm(l), c.qDim) : nil,
                ffnNorm: try vector(TensorName.ffnNorm(l), c.dim),
                wGate: try matrix(TensorName.ffnGate(l), c.ffnDim, c.dim),
                wUp: try matrix(TensorName.ffnUp(l), c.ffnDim, c.dim),
                wDown: try matrix(TensorName.ffnDown(l), c.dim, c.ffnDim),
                ffnSubNorm: traits.feedForwardSubNorm ? try vector(TensorName.ffnSubNorm(l), c.ffnDim) : nil))
        }
        self.blocks = blocks
    }

    private static func find(_ file: TM2File, _ name: String, shape: [Int]) throws(ModelFileError) -> TensorInfo {
        guard let info = file.info(name) else {
            throw ModelFileError("Invalid model format: tensor \(name) is missing")
        }
        guard info.shape == shape else {
            throw ModelFileError("Invalid model format: tensor \(name) has shape \(info.shape), the metadata implies \(shape)")
        }
        return info
    }
}
