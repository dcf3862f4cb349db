#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The bounded hand-over from the MQTT network thread (producer) to the inference worker
/// (consumer). A full queue refuses instead of growing: under overload the agent answers
/// `rejected` at once rather than letting latency and memory climb.
final class RequestQueue<Element: Sendable>: @unchecked Sendable {
    // @unchecked: every field below is read and written with `mutex` held.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private var highWater = 0
    /// Popped and not yet `done()`: counted under the same lock as the queue, so that admission
    /// never sees a request in neither place while it passes from the queue to the worker.
    private var taken = 0
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        items.reserveCapacity(capacity)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// false when full or closed: the caller answers the request itself.
    func tryPush(_ element: Element) -> Bool {
        locked {
            guard !closed, items.count - head < capacity else { return false }
            items.append(element)
            highWater = max(highWater, items.count - head)
            pthread_cond_signal(condition)
            return true
        }
    }

    /// Blocks until an element arrives; nil once the queue is closed and empty.
    func pop() -> Element? {
        locked {
            while items.count == head && !closed { pthread_cond_wait(condition, mutex) }
            guard items.count > head else { return nil }
            let element = items[head]
            head += 1
            taken += 1
            // Compact now and then so the array stays within a few times the capacity.
            if head >= capacity { items.removeFirst(head); head = 0 }
            return element
        }
    }

    /// Stops intake and wakes the consumer; returns what was still waiting, for the caller to answer.
    func close() -> [Element] {
        locked {
            closed = true
            let left = Array(items[head...])
            items.removeAll()
            head = 0
            pthread_cond_broadcast(condition)
            return left
        }
    }

    /// The consumer finished the element it popped last.
    func done() { locked { taken = max(0, taken - 1) } }

    var count: Int { locked { items.count - head } }
    /// Waiting, and popped but not done, read together.
    var load: (queued: Int, inProgress: Int) { locked { (items.count - head, taken) } }
    /// The deepest the queue has been: the overload tests check it never passes `capacity`.
    var maxDepth: Int { locked { highWater } }
}
