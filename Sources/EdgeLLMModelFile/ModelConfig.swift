/// The architecture and hyper-parameters of a model: everything the forward pass needs to know
/// besides the tensors themselves. Stored as `model.*` keys in a TM2 file.
public struct ModelConfig: Sendable, Equatable {
    public enum Architecture: String, Sendable, CaseIterable {
        case llama, qwen2, bitnet
    }

    /// Llama 3.x frequency scaling of RoPE; nil for plain RoPE.
    public struct Llama3RopeScaling: Sendable, Equatable {
        public var factor: Float
        public var lowFreqFactor: Float
        public var highFreqFactor: Float
        public var originalMaxPositions: Int
        public init(factor: Float, lowFreqFactor: Float, highFreqFactor: Float, originalMaxPositions: Int) {
            self.factor = factor
            self.lowFreqFactor = lowFreqFactor
            self.highFreqFactor = highFreqFactor
            self.originalMaxPositions = originalMaxPositions
        }
    }

    public var architecture: Architecture
    public var name: String
    public var vocabSize: Int
    public var dim: Int
    public var layerCount: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var ffnDim: Int
    /// The context length the model was trained for.
    public var maxSequenceLength: Int
    public var rmsNormEps: Float
    public var ropeTheta: Float
    public var ropeScaling: Llama3RopeScaling?
    /// The output head reuses the token embedding.
    public var tiedEmbeddings: Bool

    public init(architecture: Architecture, name: String, vocabSize: Int, dim: Int, layerCount: Int,
                headCount: Int, kvHeadCount: Int, headDim: Int, ffnDim: Int, maxSequenceLength: Int,
                rmsNormEps: Float, ropeTheta: Float, ropeScaling: Llama3RopeScaling? = nil,
                tiedEmbeddings: Bool) {
        self.architecture = architecture
        self.name = name
        self.vocabSize = vocabSize
        self.dim = dim
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.ffnDim = ffnDim
        self.maxSequenceLength = maxSequenceLength
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.ropeScaling = ropeScaling
        self.tiedEmbeddings = tiedEmbeddings
    }

    public var kvDim: Int { kvHeadCount * headDim }
    public var qDim: Int { headCount * headDim }
}
