import EdgeLLMEngine

/// Writing JSON by hand: output stays byte-for-byte predictable (key order, whole numbers without
/// ".0") whatever the Foundation version.
public enum JSONText {
    public static func quoted(_ s: String) -> String { jsonQuoted(s) }

    public static func number(_ d: Double) -> String {
        d.isFinite ? OutputSyntax.formatNumber(d) : "null"
    }

    public static func value(_ v: SlotValue) -> String {
        switch v {
        case .string(let s): quoted(s)
        case .number(let d): number(d)
        }
    }

    /// An object from already-written values, keys in the given order.
    public static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { quoted($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }

    public static func slots(_ slots: [String: SlotValue]) -> String {
        object(OutputSyntax.orderedKeys(slots).map { ($0, value(slots[$0]!)) })
    }
}
