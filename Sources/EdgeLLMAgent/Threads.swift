#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plain OS thread for work that must not run on Swift's cooperative pool: the MQTT network loop
/// (it blocks in select) and the inference worker (it keeps a core busy for the whole generation).
/// On a 2-core board, blocking a cooperative thread would stall every async task in the process.
final class OSThread: @unchecked Sendable {
    // Written once by pthread_create before anything else can see it.
    private var handle = pthread_t()
    private let body: @Sendable () -> Void
    private let name: String

    private init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }

    /// Starts `body` on a new thread; `join()` waits for it to return.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) throws -> OSThread {
        let thread = OSThread(name: name, body: body)
        // The thread holds its own reference until it finishes, so the object outlives the body.
        let context = Unmanaged.passRetained(thread).toOpaque()
        let rc = pthread_create(&thread.handle, nil, osThreadEntry, context)
        guard rc == 0 else {
            Unmanaged<OSThread>.fromOpaque(context).release()
            throw AgentError("cannot start thread \(name): error \(rc)")
        }
        return thread
    }

    fileprivate func main() {
        body()
    }

    func join() {
        pthread_join(handle, nil)
    }
}

private func osThreadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let thread = Unmanaged<OSThread>.fromOpaque(context!).takeRetainedValue()
    thread.main()
    return nil
}

/// Monotonic seconds, the same clock `IntentRecognizing.recognize`'s deadline is read against.
@inline(__always) func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Sleeps in small steps so that a stop request is noticed within `step` seconds.
func sleep(seconds: Double, step: Double = 0.05, until stop: () -> Bool) {
    let end = monotonicNow() + seconds
    while !stop() {
        let left = end - monotonicNow()
        if left <= 0 { return }
        let slice = min(left, step)
        usleep(UInt32(slice * 1e6))
    }
}
