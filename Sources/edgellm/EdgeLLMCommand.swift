import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

@main
struct EdgeLLMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgellm",
        abstract: "Run, convert and inspect small language models on the edge.",
        discussion: """
            With no subcommand, `edgellm MODEL [options]` is `edgellm run MODEL [options]`, as in the
            original EdgeLLM: `edgellm models/smollm2-135m.tm2.bin -n 32 -t 0.7 -p 0.9`.
            """,
        subcommands: [RunCommand.self, ConvertCommand.self, InfoCommand.self, CompareCommand.self,
                      TokenizeCommand.self, DetokenizeCommand.self, AgentCommand.self, BenchCommand.self,
                      EvalCommand.self],
        defaultSubcommand: RunCommand.self)

    /// ArgumentParser's own main, except that a bad option is reported in one line (the usage
    /// that it appends is a screenful away from the mistake; `--help` still shows it).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) } // --help, --version
            StandardStreams.err("Error: \(message(for: error))\n")
            Glibc.exit(code.rawValue)
        }
    }
}
