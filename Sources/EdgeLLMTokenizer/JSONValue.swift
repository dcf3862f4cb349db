import FoundationEssentials

/// Any JSON value, for the small, loosely shaped parts of Hugging Face files (pre-tokenizer and
/// post-processor trees, tokenizer_config.json) that vary too much between models for a schema.
enum JSONValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var isNull: Bool { self == .null }
}

/// Runs a JSONDecoder and turns its multi-line errors into one-line TokenizerErrors.
func decodeJSON<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8], file: String) throws -> Value {
    do {
        return try JSONDecoder().decode(type, from: Data(bytes))
    } catch let error as TokenizerError {
        throw error
    } catch let error as DecodingError {
        throw TokenizerError("\(file): \(describe(error))")
    } catch {
        throw TokenizerError("\(file): \(error)")
    }
}

private func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return keys.isEmpty ? "the top level" : keys.joined(separator: ".")
    }
    switch error {
    case .dataCorrupted(let context):
        return context.codingPath.isEmpty ? "not valid JSON" : "bad value at \(path(context))"
    case .keyNotFound(let key, let context):
        return "missing \"\(key.stringValue)\" in \(path(context))"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
        return "unexpected value at \(path(context))"
    @unknown default:
        return "not a tokenizer file"
    }
}
