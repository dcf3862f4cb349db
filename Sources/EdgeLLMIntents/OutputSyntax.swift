/// The one-line text the model writes for a command, and its parser.
///
///     HassTurnOn name Kitchen Light
///     HassLightSet area Living Room; brightness 40
///     HassStartTimer minutes 5; name pizza
///     none
///
/// The intent name, then its slots in `IntentSchema.slotOrder`, the first after a space and the
/// rest after "; ", each as `key value`. Values never contain ";" or a line break, so the line
/// splits unambiguously even around names with spaces; numbers are written without leading zeros
/// or a trailing ".0". `none` means the sentence is not a command for this home. The model ends the
/// line with its end-of-turn token (or a line break).
public enum OutputSyntax {
    public static let none = "none"

    /// The canonical line for an intent (nil: `none`).
    public static func serialise(_ intent: Intent?) -> String {
        guard let intent else { return none }
        var line = intent.name
        var first = true
        for key in orderedKeys(intent.slots) {
            line += first ? " " : "; "
            first = false
            line += key + " " + format(intent.slots[key]!)
        }
        return line
    }

    /// The intent a line names; nil for `none`.
    public static func parse(_ line: String) throws(OutputSyntaxError) -> Intent? {
        var text = Substring(line)
        while let last = text.last, last == "\n" || last == "\r" { text = text.dropLast() }
        if text == Substring(none) { return nil }
        let head = text.prefix { $0 != " " }
        guard !head.isEmpty, head.allSatisfy({ $0.isLetter }) else {
            throw OutputSyntaxError("not an intent line: '\(line)'")
        }
        var slots: [String: SlotValue] = [:]
        let rest = text.dropFirst(head.count)
        if !rest.isEmpty {
            guard rest.first == " " else { throw OutputSyntaxError("not an intent line: '\(line)'") }
            for part in rest.dropFirst().split(separator: ";", omittingEmptySubsequences: false) {
                var part = part
                if part.first == " " && slots.count > 0 { part = part.dropFirst() }
                guard let space = part.firstIndex(of: " ") else {
                    throw OutputSyntaxError("slot without a value in '\(line)'")
                }
                let key = String(part[..<space])
                let value = String(part[part.index(after: space)...])
                guard !key.isEmpty, !value.isEmpty else { throw OutputSyntaxError("empty slot in '\(line)'") }
                guard slots[key] == nil else { throw OutputSyntaxError("slot '\(key)' twice in '\(line)'") }
                if IntentSchema.numericSlots.contains(key) {
                    guard let number = Double(value), number.isFinite else {
                        throw OutputSyntaxError("slot '\(key)' is not a number in '\(line)'")
                    }
                    slots[key] = .number(number)
                } else {
                    slots[key] = .string(value)
                }
            }
        }
        return Intent(name: String(head), slots: slots)
    }

    /// Slot keys in serialisation order; keys outside the schema come last, alphabetically.
    static func orderedKeys(_ slots: [String: SlotValue]) -> [String] {
        let known = IntentSchema.slotOrder.filter { slots[$0] != nil }
        let unknown = slots.keys.filter { !IntentSchema.slotOrder.contains($0) }.sorted()
        return known + unknown
    }

    /// A slot value as the line writes it: whole numbers without ".0".
    public static func format(_ value: SlotValue) -> String {
        switch value {
        case .string(let s): return s
        case .number(let d): return formatNumber(d)
        }
    }

    public static func formatNumber(_ d: Double) -> String {
        if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }
}

/// A line that does not follow the output syntax.
public struct OutputSyntaxError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
