#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CEdgeLLMKernels

/// The worker threads of one session (C: threadpool.c). Made once; every matmul and the attention
/// of a forward pass are split statically over them, so the logits are bit-identical for any
/// thread count. The thread that calls `forward` is worker 0.
public final class ThreadPool: @unchecked Sendable {
    /// Workers, the calling thread included.
    public let threads: Int
    let pool: OpaquePointer?

    /// - Parameters:
    ///   - threads: workers including the caller; 1 starts no thread.
    ///   - pin: pin worker i ≥ 1 to the i-th CPU the process may use. A refusal (a container
    ///     without the capability, a CPU set too small) leaves that worker unpinned.
    public init(threads: Int, pin: Bool = false, spin: Int = Int(EL_POOL_DEFAULT_SPIN)) throws(EngineError) {
        guard threads >= 1, threads <= Self.maxThreads else {
            throw EngineError("threads must be in 1...\(Self.maxThreads), not \(threads)")
        }
        guard let pool = el_pool_create(Int32(threads), pin ? Int32(EL_POOL_PIN) : 0, Int32(clamping: spin)) else {
            throw EngineError("cannot start \(threads) threads: \(String(cString: strerror(errno)))")
        }
        self.threads = threads
        self.pool = pool
    }

    /// One thread, the caller's: nothing is started, so nothing can fail.
    public init() {
        threads = 1
        pool = el_pool_create(1, 0, 0) // nil only without memory; a nil pool runs inline too
    }

    deinit { el_pool_destroy(pool) }

    /// A sanity bound: more threads than this is a typo, not a machine.
    public static let maxThreads = 256

    /// CPUs this process may run on (its affinity mask at first use).
    public static var availableCores: Int { Int(el_cpu_count()) }

    /// Workers (not counting the caller) pinned to a CPU.
    public var pinnedWorkers: Int { Int(el_pool_pinned(pool)) }

    /// Pins the calling thread to the first CPU, beside the workers on the others. Only for a
    /// thread the caller owns for good (a command's main thread): the pin outlives the session.
    @discardableResult
    public static func pinCallingThread() -> Bool { el_pin_current_thread(0) != 0 }

    /// Flushes denormals on the calling thread for good (a forward pass does it only for its own
    /// length). For a thread the caller owns, so that the sampler's softmax, which runs between
    /// passes, never takes the slow path either.
    @discardableResult
    public static func flushDenormalsOnCallingThread() -> Bool { el_fp_flush_denormals() != 0 }

    /// Runs `body(context, worker, workers)` once on every worker, the caller as worker 0, and
    /// returns when all have finished.
    public func runOnEveryThread(_ body: @convention(c) (UnsafeMutableRawPointer?, Int32, Int32) -> Void,
                                 context: UnsafeMutableRawPointer? = nil) {
        el_pool_run(pool, body, context)
    }

    /// Page faults taken so far by the pool's threads, the caller included (Linux counts them
    /// per thread, so other threads of the process do not show up here).
    public func pageFaults() -> (minor: Int, major: Int) {
        var minor: Int64 = 0, major: Int64 = 0
        el_pool_page_faults(pool, &minor, &major)
        return (Int(minor), Int(major))
    }

    func matmul(_ tasks: UnsafePointer<el_matmul_task>, count: Int) {
        el_pool_matmul(pool, tasks, Int32(count))
    }

    func attention(_ task: UnsafePointer<el_attention_task>) {
        el_pool_attention(pool, task)
    }
}
