/// A model file that cannot be used, said in one line.
public struct ModelFileError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }

    public static let badMagic = ModelFileError("Invalid model format: expected TM2")
}
