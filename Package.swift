// swift-tools-version: 6.0
import PackageDescription

// Hot loops live in C. They are built optimised even in debug builds so that the
// test suite (which runs a real 135M-parameter model) finishes in minutes.
let kernelFlags: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])]

let package = Package(
    name: "EdgeLLM",
    products: [
        .executable(name: "edgellm", targets: ["edgellm"]),
        .library(name: "EdgeLLMEngine", targets: ["EdgeLLMEngine"]),
        .library(name: "EdgeLLMImport", targets: ["EdgeLLMImport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C kernels: matmuls over every tensor type, norms, RoPE, attention, quantizers.
        .target(name: "CEdgeLLMKernels", cSettings: kernelFlags),
        // The TM2 model file: format, reader (mmap), writer, tensor types.
        .target(name: "EdgeLLMModelFile", dependencies: ["CEdgeLLMKernels", "EdgeLLMTokenizer"]),
        // Byte-level BPE tokenizer, pre-tokenizers, chat templates.
        .target(name: "EdgeLLMTokenizer"),
        // GGUF and Hugging Face readers, and the converter that writes TM2.
        .target(name: "EdgeLLMImport",
                dependencies: ["EdgeLLMModelFile", "EdgeLLMTokenizer", "CEdgeLLMKernels"]),
        // Forward pass, KV cache, sampling, generation.
        .target(name: "EdgeLLMEngine",
                dependencies: ["EdgeLLMModelFile", "EdgeLLMTokenizer", "CEdgeLLMKernels"]),
        // Home Assistant intents: the home, the grammar-constrained recognizer, resolution to
        // service calls, evaluation.
        .target(name: "EdgeLLMIntents", dependencies: ["EdgeLLMEngine", "EdgeLLMTokenizer"]),
        // The command-line face.
        .executableTarget(name: "edgellm", dependencies: [
            "EdgeLLMEngine", "EdgeLLMImport", "EdgeLLMIntents",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "EdgeLLMKernelsTests", dependencies: ["CEdgeLLMKernels"]),
        .testTarget(name: "EdgeLLMModelFileTests", dependencies: ["EdgeLLMModelFile"]),
        .testTarget(name: "EdgeLLMTokenizerTests", dependencies: ["EdgeLLMTokenizer"]),
        .testTarget(name: "EdgeLLMImportTests",
                    dependencies: ["EdgeLLMImport", "EdgeLLMModelFile", "EdgeLLMTokenizer", "CEdgeLLMKernels"]),
        // Runs the built `edgellm` binary as a user would.
        .testTarget(name: "EdgeLLMCommandLineTests", dependencies: ["EdgeLLMModelFile"]),
        .testTarget(name: "EdgeLLMEngineTests",
                    dependencies: ["EdgeLLMEngine", "EdgeLLMImport", "EdgeLLMModelFile"]),
    ]
)
