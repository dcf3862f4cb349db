import EdgeLLMEngine
import EdgeLLMImport
import EdgeLLMModelFile
import Foundation
import Testing

/// Paths and loaders for the committed reference fixtures (Tests/Fixtures, made by the scripts in
/// scripts/fixtures with Hugging Face transformers).
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let root = packageRoot.appendingPathComponent("Tests/Fixtures")
    static let smolLM2GGUF = packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

    static func model(_ name: String) -> String { root.appendingPathComponent("models/\(name)").path }

    struct Reference: Decodable {
        var tokens: [Int32]
        var logits: [[Float]]
    }

    static func reference(_ model: String, _ file: String = "reference.json") throws -> Reference {
        let data = try Data(contentsOf: root.appendingPathComponent("models/\(model)/\(file)"))
        return try JSONDecoder().decode(Reference.self, from: data)
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("edgellm-\(UUID().uuidString)-\(name)").path
    }

    /// Converts a source (GGUF or Hugging Face folder) to a temporary TM2 file.
    static func convert(_ source: String, _ options: ConversionOptions) throws -> String {
        let path = temporaryPath("model.tm2.bin")
        try Converter.convert(try openSourceModel(path: source), to: path, options: options)
        return path
    }

    /// The logits after each token, feeding one token at a time.
    static func logitsPerPosition(_ session: Session, _ tokens: [Int32]) throws -> [[Float]] {
        try tokens.map { Array(try session.feed([$0])) }
    }

    /// max |a − b| / max |b| over a matrix of logits.
    static func relativeError(_ a: [[Float]], _ b: [[Float]]) -> Float {
        var diff: Float = 0, scale: Float = 0
        for (ra, rb) in zip(a, b) {
            for (x, y) in zip(ra, rb) {
                diff = max(diff, abs(x - y))
                scale = max(scale, abs(y))
            }
        }
        return diff / scale
    }
}
