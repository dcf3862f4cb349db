/// Why a tokenizer could not be built or read. One line, meant for a log or a CLI message.
public struct TokenizerError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
