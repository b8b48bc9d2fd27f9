import Foundation

/// Work started on a thread of its own now, whose result (or error) is taken later with `wait()`: a step that can
/// run beside another (the relup beside the archive's first entries) without holding one of the cooperative pool's
/// threads, which the caller's task already uses.
package final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Result<Value, any Error>?

    package init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            let outcome = Result { try body() }
            lock.withLock { result = outcome }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Blocks until the work is done; its value, or rethrows its error. May be called more than once.
    package func wait() throws -> Value {
        if let result = lock.withLock({ result }) { return try result.get() }
        done.wait()
        done.signal()  // later waits return at once
        return try lock.withLock { result! }.get()
    }
}
