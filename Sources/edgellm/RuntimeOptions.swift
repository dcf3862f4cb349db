import ArgumentParser
import EdgeLLMEngine

/// How a session runs: context length, KV cache precision, threads.
struct RuntimeOptions: ParsableArguments {
    @Option(help: "Context length (KV cache positions).")
    var ctx: Int = 2048

    @Option(help: "KV cache precision: f16 or f32.")
    var kv: KVCache.Precision = .f16

    @Option(help: "Worker threads (the kernels run on one thread until the threaded kernels land).")
    var threads: Int = 1

    func validate() throws {
        guard ctx > 0, ctx <= 1 << 20 else { throw ValidationError("--ctx must be in 1...1048576, not \(ctx)") }
        guard threads > 0 else { throw ValidationError("--threads must be 1 or more, not \(threads)") }
    }

    func makeSession(_ model: LanguageModel) throws -> Session {
        try Session(model: model, contextLength: ctx, kvPrecision: kv)
    }
}

extension KVCache.Precision: ExpressibleByArgument {}
