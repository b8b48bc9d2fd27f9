import Foundation
import NodeControl

/// GET requests against the sandbox's node while a step runs (a request fails when it gets no answer or a 5xx), one after another on their own thread: bounded by
/// the step (stopped with it) and to loopback (the sandbox's node only listens there).
final class LoadLoop: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private var sent = 0
    private var failed = 0
    private var finished = false

    init(url: String) {
        Thread.detachNewThread { [self] in
            let get = try? HTTPGet()
            defer { get?.shutDown() }
            while lock.withLock({ running }) {
                // Failed: no answer, or a server error. A 4xx is the application answering, as it should.
                let ok = (try? get?.statusBlocking(url)).flatMap { $0 }.map { $0 < 500 } ?? false
                lock.withLock {
                    sent += 1
                    if !ok { failed += 1 }
                }
                usleep(5_000)
            }
            lock.withLock { finished = true }
        }
    }

    func stop() -> RehearsalReport.Requests {
        lock.withLock { running = false }
        while !lock.withLock({ finished }) { usleep(1_000) }
        return lock.withLock { RehearsalReport.Requests(sent: sent, failed: failed) }
    }
}
