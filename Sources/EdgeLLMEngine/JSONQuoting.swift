/// A JSON string literal for `s`, escaped by hand so that reports written without Foundation stay
/// byte-for-byte predictable. Shared by the benchmark report and the intents' JSON output.
public func jsonQuoted(_ s: String) -> String {
    var o = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": o += "\\\""
        case "\\": o += "\\\\"
        case "\n": o += "\\n"
        case "\r": o += "\\r"
        case "\t": o += "\\t"
        case _ where u.value < 0x20:
            let hex = String(u.value, radix: 16)
            o += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: o.unicodeScalars.append(u)
        }
    }
    return o + "\""
}
