import EdgeLLMModelFile
import EdgeLLMTokenizer

/// A model to convert, whatever file it came from (GGUF, a Hugging Face folder).
///
/// Implementations present tensors under the canonical TM2 names (`TensorName`) and in the canonical
/// layout (Hugging Face's: Q/K rows not permuted), dequantised to float32 on request.
public protocol SourceModel {
    /// Where the model came from, for the recipe recorded in the converted file.
    var sourceDescription: String { get }
    var config: ModelConfig { get }
    var tokenizer: TokenizerConfig { get }
    /// Canonical names of every tensor the model has.
    var tensorNames: [String] { get }
    /// Shape in PyTorch order: [rows, cols] for a matrix, [n] for a vector.
    func shape(of name: String) throws -> [Int]
    /// The tensor as float32, row-major, canonical layout.
    func loadFloat32(_ name: String) throws -> [Float]
}

/// A conversion failure, as one line a user can act on.
public struct ImportError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
