/// Hand-written equivalents of the pre-tokenizer regexes, matched the way Oniguruma matches them:
/// at each position the first alternative that matches wins, and greedy runs give back characters
/// only where a lookahead or a required suffix demands it.
///
/// gpt2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// llama3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
///         | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
/// qwen2:  as llama3 with \p{N} alone.
/// smollm: every \p{N} is a piece of its own (HF Digits), then gpt2 on what lies between.
struct PreTokenizerText {
    var scalars: [UInt32] = []
    var classes: [ScalarClass] = []

    mutating func removeAll() {
        scalars.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
    }

    mutating func append(_ scalar: Unicode.Scalar) {
        scalars.append(scalar.value)
        classes.append(ScalarClass(scalar))
    }

    var count: Int { scalars.count }
}

extension TokenizerConfig.PreTokenizer {
    /// Appends the end (exclusive scalar index) of every piece of `text`, in order.
    func split(_ text: PreTokenizerText, into ends: inout [Int]) {
        let count = text.count
        switch self {
        case .gpt2:
            splitGPT2(text, 0, count, into: &ends)
        case .smollm:
            var start = 0
            for index in 0..<count where text.classes[index] == .number {
                if start < index { splitGPT2(text, start, index, into: &ends) }
                ends.append(index + 1)
                start = index + 1
            }
            if start < count { splitGPT2(text, start, count, into: &ends) }
        case .llama3:
            splitLlama3(text, maxDigits: 3, into: &ends)
        case .qwen2:
            splitLlama3(text, maxDigits: 1, into: &ends)
        }
    }
}

private let apostrophe: UInt32 = 0x27
private let space: UInt32 = 0x20

private func splitGPT2(_ text: PreTokenizerText, _ start: Int, _ end: Int, into ends: inout [Int]) {
    let scalars = text.scalars, classes = text.classes
    var index = start
    while index < end {
        if scalars[index] == apostrophe,
           let length = contractionLength(scalars, index, end, ignoringCase: false) {
            index += length
            ends.append(index)
            continue
        }
        // ` ?\p{L}+`, ` ?\p{N}+` and ` ?[^\s\p{L}\p{N}]+` share their shape: an optional space,
        // then a run of one class.
        var head = index
        if scalars[index] == space, index + 1 < end, !classes[index + 1].isWhitespace {
            head = index + 1
        }
        let headClass = classes[head]
        if !headClass.isWhitespace {
            index = runEnd(classes, from: head, end) { $0 == headClass }
            ends.append(index)
            continue
        }
        index = whitespaceEnd(classes, index, end)
        ends.append(index)
    }
}

private func splitLlama3(_ text: PreTokenizerText, maxDigits: Int, into ends: inout [Int]) {
    let scalars = text.scalars, classes = text.classes
    let end = scalars.count
    var index = 0
    while index < end {
        let current = classes[index]
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if scalars[index] == apostrophe,
           let length = contractionLength(scalars, index, end, ignoringCase: true) {
            index += length
            ends.append(index)
            continue
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if current == .letter {
            index = runEnd(classes, from: index, end) { $0 == .letter }
            ends.append(index)
            continue
        }
        if current != .newline, current != .number, index + 1 < end, classes[index + 1] == .letter {
            index = runEnd(classes, from: index + 1, end) { $0 == .letter }
            ends.append(index)
            continue
        }
        // \p{N}{1,3} or \p{N}
        if current == .number {
            let runLimit = min(end, index + maxDigits)
            index = runEnd(classes, from: index, runLimit) { $0 == .number }
            ends.append(index)
            continue
        }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        var head = index
        if scalars[index] == space, index + 1 < end, classes[index + 1] == .other {
            head = index + 1
        }
        if classes[head] == .other {
            index = runEnd(classes, from: head, end) { $0 == .other }
            index = runEnd(classes, from: index, end) { $0 == .newline }
            ends.append(index)
            continue
        }
        // \s*[\r\n]+ : the greedy \s* gives back until the last CR/LF of the whitespace run.
        let runEnd = runEnd(classes, from: index, end) { $0.isWhitespace }
        if let lastNewline = (index..<runEnd).last(where: { classes[$0] == .newline }) {
            index = lastNewline + 1
            ends.append(index)
            continue
        }
        index = whitespaceEnd(classes, index, end)
        ends.append(index)
    }
}

/// `\s+(?!\S)|\s+` at a whitespace character: a run that meets a non-space gives back its last
/// character (so a following word keeps its leading space), unless that would leave nothing.
private func whitespaceEnd(_ classes: [ScalarClass], _ start: Int, _ end: Int) -> Int {
    let runEnd = runEnd(classes, from: start, end) { $0.isWhitespace }
    if runEnd < end, runEnd - start >= 2 { return runEnd - 1 }
    return runEnd
}

private func runEnd(_ classes: [ScalarClass], from start: Int, _ end: Int,
                    _ matches: (ScalarClass) -> Bool) -> Int {
    var index = start
    while index < end, matches(classes[index]) { index += 1 }
    return index
}

/// Length of the contraction at an apostrophe, if any. Case-insensitively, Oniguruma's Unicode
/// case folding also lets U+017F LATIN SMALL LETTER LONG S stand for "s".
private func contractionLength(_ scalars: [UInt32], _ index: Int, _ end: Int, ignoringCase: Bool) -> Int? {
    func letter(_ offset: Int) -> UInt32? {
        guard index + offset < end else { return nil }
        let value = scalars[index + offset]
        guard ignoringCase else { return value }
        if value == 0x17F { return UInt32(UInt8(ascii: "s")) }
        if (0x41...0x5A).contains(value) { return value + 0x20 }
        return value
    }
    switch letter(1) {
    case UInt32(UInt8(ascii: "s")), UInt32(UInt8(ascii: "t")), UInt32(UInt8(ascii: "m")), UInt32(UInt8(ascii: "d")):
        return 2
    case UInt32(UInt8(ascii: "r")), UInt32(UInt8(ascii: "v")):
        return letter(2) == UInt32(UInt8(ascii: "e")) ? 3 : nil
    case UInt32(UInt8(ascii: "l")):
        return letter(2) == UInt32(UInt8(ascii: "l")) ? 3 : nil
    default:
        return nil
    }
}
