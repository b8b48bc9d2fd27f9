import Foundation

/// A fixed set of threads of their own (not Dispatch's pool, which is as wide as the machine and of which the caller,
/// a Swift task, already holds one), each running the jobs handed to it in order, with a state that stays with the
/// thread from job to job (a compressor's working buffers). The threads end when the set is released.
package final class WorkerThreads<State>: @unchecked Sendable {
    private final class Worker: @unchecked Sendable {
        let ready = DispatchSemaphore(value: 0)
        let lock = NSLock()
        /// Jobs waiting; nil asks the thread to end.
        var jobs = [((inout State) -> Void)?]()
    }

    private let workers: [Worker]

    package var count: Int { workers.count }

    /// - Parameter makeState: called once on each thread, before its first job.
    package init(count: Int, stackSize: Int = 1 << 20, makeState: @escaping @Sendable () -> State) {
        workers = (0..<count).map { _ in Worker() }
        for worker in workers {
            let thread = Thread {
                var state = makeState()
                while true {
                    worker.ready.wait()
                    guard let job = worker.lock.withLock({ worker.jobs.removeFirst() }) else { return }
                    job(&state)
                }
            }
            thread.stackSize = stackSize
            thread.start()
        }
    }

    deinit {
        for worker in workers { hand(nil, to: worker) }
    }

    /// Runs `job` on worker `index`, after the jobs already handed to it.
    package func run(on index: Int, _ job: @escaping (inout State) -> Void) {
        hand(job, to: workers[index])
    }

    private func hand(_ job: ((inout State) -> Void)?, to worker: Worker) {
        worker.lock.withLock { worker.jobs.append(job) }
        worker.ready.signal()
    }
}
