/// The character classes the pre-tokenizer regexes distinguish, with Oniguruma's meaning (the regex
/// engine Hugging Face `tokenizers` uses): `\s` is White_Space, `\p{L}` and `\p{N}` are the L* and
/// N* general categories.
enum ScalarClass: UInt8 {
    case letter
    case number
    /// Neither whitespace, letter nor number: `[^\s\p{L}\p{N}]`.
    case other
    /// Whitespace other than CR and LF.
    case space
    /// CR or LF, which the Llama 3 pattern treats apart from other whitespace.
    case newline

    var isWhitespace: Bool { self == .space || self == .newline }

    init(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        if value < 128 {
            self = ScalarClass.ascii[Int(value)]
            return
        }
        let properties = scalar.properties
        if properties.isWhitespace {
            self = .space
            return
        }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            self = ScalarClass.isKnownToReference(properties) ? .letter : .other
        case .decimalNumber, .letterNumber, .otherNumber:
            self = ScalarClass.isKnownToReference(properties) ? .number : .other
        default:
            self = .other
        }
    }

    /// The Unicode version of the Oniguruma tables in Hugging Face `tokenizers` (0.23), which
    /// models were tokenized with. The stdlib may know a newer version; characters assigned since
    /// are unassigned to the reference, so they count as `other` here too.
    static let referenceUnicodeVersion = (major: 16, minor: 0)

    private static func isKnownToReference(_ properties: Unicode.Scalar.Properties) -> Bool {
        guard let age = properties.age else { return false }
        return (age.major, age.minor) <= referenceUnicodeVersion
    }

    // Most prompt text is ASCII, and a table lookup beats the Unicode property query.
    private static let ascii: [ScalarClass] = (0..<128).map { value in
        switch value {
        case 0x0A, 0x0D: return .newline
        case 0x09, 0x0B, 0x0C, 0x20: return .space
        case 0x30...0x39: return .number
        case 0x41...0x5A, 0x61...0x7A: return .letter
        default: return .other
        }
    }
}
