import ArgumentParser
import EdgeLLMEngine

/// How a session runs: context length, KV cache precision, threads, memory locking.
struct RuntimeOptions: ParsableArguments {
    @Option(help: "Context length (KV cache positions).")
    var ctx: Int = 2048

    @Option(help: "KV cache precision: f16, f32, or q8_0 (half the memory of f16; head sizes that are multiples of 32).")
    var kv: KVCache.Precision = .f16

    // Every CPU by default: the output does not depend on the thread count, and on the target
    // (a Pi Zero 2 W answering one request at a time) nothing else needs the cores meanwhile.
    @Option(help: "Worker threads, the main thread included; the output is the same for any count. Default: every CPU this process may use.")
    var threads: Int = ThreadPool.availableCores

    @Flag(help: "Pin each thread to its own CPU (steadier per-token latency on a dedicated machine).")
    var pin = false

    @Flag(help: "Lock the weights in memory (mlock) so that memory pressure cannot page them out.")
    var mlock = false

    func validate() throws {
        guard ctx > 0, ctx <= 1 << 20 else { throw ValidationError("--ctx must be in 1...1048576, not \(ctx)") }
        guard threads > 0, threads <= ThreadPool.maxThreads else {
            throw ValidationError("--threads must be in 1...\(ThreadPool.maxThreads), not \(threads)")
        }
    }

    func makeSession(_ model: LanguageModel) throws -> Session {
        let session = try Session(model: model, contextLength: ctx, kvPrecision: kv, threads: threads,
                                  pinThreads: pin, lockWeights: mlock)
        applyProcessSettings(session)
        return session
    }

    /// What only a command may do to its own main thread (pin it, flush its denormals), and
    /// saying when mlock was refused.
    func applyProcessSettings(_ session: Session) {
        if pin { ThreadPool.pinCallingThread() }
        ThreadPool.flushDenormalsOnCallingThread()
        if mlock && !session.weightsLocked {
            StandardStreams.err("warning: could not lock the weights in memory (see `ulimit -l`); running unlocked\n")
        }
    }
}

extension KVCache.Precision: ExpressibleByArgument {}
