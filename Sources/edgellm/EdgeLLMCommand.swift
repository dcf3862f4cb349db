import ArgumentParser

@main
struct EdgeLLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgellm",
        abstract: "Run, convert and inspect small language models on the edge.",
        discussion: """
            With no subcommand, `edgellm MODEL [options]` is `edgellm run MODEL [options]`, as in the
            original EdgeLLM: `edgellm models/smollm2-135m.tm2.bin -n 32 -t 0.7 -p 0.9`.
            """,
        subcommands: [RunCommand.self, ConvertCommand.self, InfoCommand.self, CompareCommand.self,
                      TokenizeCommand.self, DetokenizeCommand.self],
        defaultSubcommand: RunCommand.self)
}
