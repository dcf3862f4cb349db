import EdgeLLMIntents
import FoundationEssentials

/// A command as it arrives on the command topic, before it is admitted.
public struct Command: Sendable, Equatable {
    public var id: String?
    public var text: String
    /// This request's budget; nil means the configured default.
    public var budgetMilliseconds: Double?
    public var context: CommandContext

    public init(id: String? = nil, text: String, budgetMilliseconds: Double? = nil, context: CommandContext = .init()) {
        self.id = id
        self.text = text
        self.budgetMilliseconds = budgetMilliseconds
        self.context = context
    }
}

/// Why a payload is not a command; answered with an `error` reply carrying `id` when it could be read.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public var id: String?
    /// The command's text, when it could be read despite the error.
    public var text: String?
    public var message: String
    public init(id: String? = nil, text: String? = nil, _ message: String) {
        self.id = id
        self.text = text
        self.message = message
    }
    public var description: String { message }
}

public enum CommandPayload {
    /// Budgets above this would let one request hold the worker for minutes.
    public static let maxBudgetMilliseconds = 600_000.0

    /// Plain UTF-8 text, or (when it starts with `{`) JSON:
    /// `{"id": "...", "text": "...", "budget_ms": 800, "context": {"area": "..."}}`.
    public static func parse(_ payload: [UInt8], maxBytes: Int) -> Result<Command, CommandError> {
        guard payload.count <= maxBytes else {
            return .failure(CommandError("payload is \(payload.count) bytes, over the limit of \(maxBytes)"))
        }
        guard let text = String(validating: payload, as: UTF8.self) else {
            return .failure(CommandError("payload is not valid UTF-8"))
        }
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return .failure(CommandError("empty command")) }
        guard trimmed.first == "{" else { return .success(Command(text: trimmed)) }
        return parseJSON(payload)
    }

    private static func parseJSON(_ payload: [UInt8]) -> Result<Command, CommandError> {
        let data = Data(payload)
        // Read the id on its own first, so that a command with a bad field still gets an answer
        // its sender can match.
        let id = (try? JSONDecoder().decode(IDProbe.self, from: data))?.id
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: data)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                return .failure(CommandError(id: id, "invalid JSON"))
            }
            return .failure(CommandError(id: id, describe(error)))
        } catch {
            return .failure(CommandError(id: id, "invalid JSON"))
        }
        guard let text = body.text?.trimmingWhitespace(), !text.isEmpty else {
            return .failure(CommandError(id: id, "missing or empty 'text'"))
        }
        if let budget = body.budgetMilliseconds {
            guard budget.isFinite, budget > 0 else {
                return .failure(CommandError(id: id, text: text, "budget_ms must be a positive number of milliseconds"))
            }
            guard budget <= maxBudgetMilliseconds else {
                return .failure(CommandError(id: id, text: text,
                                             "budget_ms must be at most \(Int(maxBudgetMilliseconds))"))
            }
        }
        return .success(Command(id: body.id?.value, text: text, budgetMilliseconds: body.budgetMilliseconds,
                                context: CommandContext(area: body.context?.area)))
    }

    /// Request ids are strings; numbers are accepted and echoed as their decimal text.
    struct FlexibleID: Decodable {
        var value: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) {
                value = s
            } else if let i = try? c.decode(Int64.self) {
                value = String(i)
            } else {
                throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath,
                                                                     debugDescription: "id must be a string"))
            }
        }
    }

    struct IDProbe: Decodable {
        var id: String?
        enum CodingKeys: String, CodingKey { case id }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = (try? c.decodeIfPresent(FlexibleID.self, forKey: .id))??.value
        }
    }

    struct Body: Decodable {
        struct Context: Decodable { var area: String? }
        var id: FlexibleID?
        var text: String?
        var budgetMilliseconds: Double?
        var context: Context?
        enum CodingKeys: String, CodingKey {
            case id, text, context
            case budgetMilliseconds = "budget_ms"
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
