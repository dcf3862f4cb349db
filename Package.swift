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
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C kernels: matmuls over every tensor type, norms, RoPE, attention, quantizers.
        .target(name: "CEdgeLLMKernels", cSettings: kernelFlags),
        // Test support only: replaces malloc and friends in the test process to count the
        // allocations of chosen threads (the decode loop must make none).
        .target(name: "CAllocationCounter"),
        // The TM2 model file: format, reader (mmap), writer, tensor types.
        .target(name: "EdgeLLMModelFile", dependencies: ["CEdgeLLMKernels", "EdgeLLMTokenizer"]),
        // Byte-level BPE tokenizer, pre-tokenizers, chat templates.
        .target(name: "EdgeLLMTokenizer"),
        // GGUF and Hugging Face readers, and the converter that writes TM2.
        .target(name: "EdgeLLMImport",
                dependencies: ["EdgeLLMModelFile", "EdgeLLMTokenizer", "CEdgeLLMKernels"]),
        // Forward pass, KV cache, sampling, generation. Optimised in debug builds too: unspecialised
        // generic code (a for-in over an array at -Onone) allocates, and the test that the decode
        // loop allocates nothing must check the code that ships.
        .target(name: "EdgeLLMEngine",
                dependencies: ["EdgeLLMModelFile", "EdgeLLMTokenizer", "CEdgeLLMKernels"],
                swiftSettings: [.unsafeFlags(["-O"])]),
        // Home Assistant intents: the home, the grammar-constrained recognizer, resolution to
        // service calls, evaluation.
        .target(name: "EdgeLLMIntents", dependencies: ["EdgeLLMEngine", "EdgeLLMModelFile", "EdgeLLMTokenizer"]),
        // libmosquitto, found through pkg-config (Debian: libmosquitto-dev).
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        // The home-automation agent: MQTT commands in, intents and service calls out, within budgets.
        .target(name: "EdgeLLMAgent", dependencies: [
            "CMosquitto", "EdgeLLMEngine", "EdgeLLMIntents",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "Yams", package: "Yams"),
        ]),
        // The command-line face.
        .executableTarget(name: "edgellm", dependencies: [
            "EdgeLLMEngine", "EdgeLLMImport", "EdgeLLMIntents", "EdgeLLMAgent",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "EdgeLLMKernelsTests", dependencies: ["CEdgeLLMKernels"]),
        .testTarget(name: "EdgeLLMModelFileTests", dependencies: ["EdgeLLMModelFile"]),
        .testTarget(name: "EdgeLLMTokenizerTests", dependencies: ["EdgeLLMTokenizer"]),
        .testTarget(name: "EdgeLLMImportTests",
                    dependencies: ["EdgeLLMImport", "EdgeLLMModelFile", "EdgeLLMTokenizer", "CEdgeLLMKernels"]),
        // Runs the built `edgellm` binary as a user would.
        .testTarget(name: "EdgeLLMCommandLineTests", dependencies: ["EdgeLLMModelFile"]),
        // Against a real mosquitto broker that the tests start on a free local port.
        .testTarget(name: "EdgeLLMAgentTests", dependencies: [
            "EdgeLLMAgent", "EdgeLLMIntents", "EdgeLLMEngine", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "EdgeLLMEngineTests",
                    dependencies: ["EdgeLLMEngine", "EdgeLLMImport", "EdgeLLMModelFile", "CAllocationCounter"]),
        .testTarget(name: "EdgeLLMIntentsTests",
                    dependencies: ["EdgeLLMIntents", "EdgeLLMEngine", "EdgeLLMImport", "EdgeLLMTokenizer"]),
    ]
)
