/// A TM2 metadata value. The kinds are few on purpose: every hyper-parameter is an integer, a
/// float or a string, and the tokenizer needs string and integer arrays.
public enum MetadataValue: Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case strings([String])
    case ints([Int32])

    var kind: UInt8 {
        switch self {
        case .bool: 0
        case .int: 1
        case .float: 2
        case .string: 3
        case .strings: 4
        case .ints: 5
        }
    }
}

/// Ordered key-value metadata, with typed accessors that fail with a clear message.
public struct Metadata: Sendable, Equatable {
    public private(set) var entries: [(key: String, value: MetadataValue)] = []
    private var index: [String: Int] = [:]

    public init() {}

    public static func == (a: Metadata, b: Metadata) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public subscript(key: String) -> MetadataValue? {
        get { index[key].map { entries[$0].value } }
        set {
            if let i = index[key] {
                if let newValue { entries[i].value = newValue } else { remove(key) }
            } else if let newValue {
                index[key] = entries.count
                entries.append((key, newValue))
            }
        }
    }

    private mutating func remove(_ key: String) {
        entries.removeAll { $0.key == key }
        index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.key, $0) })
    }

    public func int(_ key: String) throws(ModelFileError) -> Int {
        guard case .int(let v)? = self[key] else { throw missing(key, "an integer") }
        guard let i = Int(exactly: v) else { throw missing(key, "an integer") }
        return i
    }

    public func float(_ key: String) throws(ModelFileError) -> Float {
        switch self[key] {
        case .float(let v)?: return Float(v)
        case .int(let v)?: return Float(v)
        default: throw missing(key, "a number")
        }
    }

    public func string(_ key: String) throws(ModelFileError) -> String {
        guard case .string(let v)? = self[key] else { throw missing(key, "a string") }
        return v
    }

    public func bool(_ key: String) throws(ModelFileError) -> Bool {
        guard case .bool(let v)? = self[key] else { throw missing(key, "a boolean") }
        return v
    }

    public func strings(_ key: String) throws(ModelFileError) -> [String] {
        guard case .strings(let v)? = self[key] else { throw missing(key, "a list of strings") }
        return v
    }

    public func ints(_ key: String) throws(ModelFileError) -> [Int32] {
        guard case .ints(let v)? = self[key] else { throw missing(key, "a list of integers") }
        return v
    }

    public func optionalString(_ key: String) -> String? {
        if case .string(let v)? = self[key] { return v }
        return nil
    }

    private func missing(_ key: String, _ what: String) -> ModelFileError {
        ModelFileError("Invalid model format: metadata '\(key)' is missing or not \(what)")
    }
}
