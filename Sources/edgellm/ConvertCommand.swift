import ArgumentParser
import EdgeLLMImport
import EdgeLLMModelFile

/// `edgellm convert`: GGUF or Hugging Face → TM2, quantising on the way. One step where the
/// original EdgeLLM needed two (quantize_bitnet.py, then convert_tmac_to_tm2.py).
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a GGUF file or a Hugging Face folder (optionally with a LoRA adapter merged in) to a .tm2.bin model.")

    @Argument(help: "A GGUF file, or a Hugging Face folder (config.json, *.safetensors, tokenizer.json).")
    var input: String

    @Option(name: .short, help: "The output .tm2.bin file.")
    var output: String

    // Optional, with the default in the help text: ArgumentParser would print a CaseIterable
    // enum's default as its raw value, the number the file stores ("default: 4").
    @Option(help: "Type of the transformer blocks' linear layers: ternary, q8_0, q4_0, f16 or f32 (default: ternary).")
    var weights: TensorType?

    @Option(help: "Type of the token embedding (default: as the head).")
    var embed: TensorType?

    @Option(help: "Type of the output head (default: q8_0 for ternary weights, else as --weights).")
    var head: TensorType?

    @Option(help: "Ternary scale granularity: tensor (BitNet b1.58) or row.")
    var ternaryScale: ConversionOptions.TernaryScale = .tensor

    @Option(help: ArgumentHelp("Mark the model as fine-tuned for intents with this prompt: plain (no example commands) or examples.",
                               valueName: "plain|examples"))
    var intentPrompt: IntentPrompt?

    @Option(help: ArgumentHelp("Merge this PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors) into the weights before quantising.",
                               valueName: "adapter-dir"))
    var lora: String?

    enum IntentPrompt: String, ExpressibleByArgument { case plain, examples }

    func run() throws {
        var source = try openSourceModel(path: input)
        if let lora {
            source = try LoRAMergedModel(base: source, adapter: LoRAAdapter(directory: lora))
        }
        let options = ConversionOptions(weights: weights ?? .ternary, embedding: embed, head: head, ternaryScale: ternaryScale,
                                        intentPrompt: intentPrompt?.rawValue)
        let bar = ProgressBar(enabled: StandardStreams.stderrIsTerminal)
        try Converter.convert(source, to: output, options: options) { done, total, name in
            bar.update(done: done, total: total, label: name)
        }
        bar.finish()
        let file = try TM2File(path: output)
        StandardStreams.err("wrote \(output): \(megabytes(file.fileSize)) (\(file.metadata.optionalString(MetadataKey.recipe) ?? ""))\n")
    }
}

extension TensorType: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["ternary", "q8_0", "q4_0", "f16", "f32"] }
}

extension ConversionOptions.TernaryScale: ExpressibleByArgument {}

/// A one-line progress bar on stderr, drawn only on a terminal.
final class ProgressBar {
    let enabled: Bool
    init(enabled: Bool) { self.enabled = enabled }

    func update(done: Int, total: Int, label: String) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        StandardStreams.err("\r[\(bar)] \(done)/\(total) \(label.prefix(40))\u{1B}[K")
    }

    func finish() {
        if enabled { StandardStreams.err("\r\u{1B}[K") }
    }
}
