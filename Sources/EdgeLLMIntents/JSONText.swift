/// Writing JSON by hand: output stays byte-for-byte predictable (key order, whole numbers without
/// ".0") whatever the Foundation version.
public enum JSONText {
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

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
