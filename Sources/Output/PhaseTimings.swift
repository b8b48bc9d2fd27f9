import Foundation

/// With `RELSWAP_TIMINGS` set, each phase's wall time on standard error when the command ends (for the benchmarks and
/// for a user who wants to know where the time goes); otherwise nothing.
final class PhaseTimings: @unchecked Sendable {
    private let enabled = ProcessInfo.processInfo.environment["RELSWAP_TIMINGS"].map { !$0.isEmpty } ?? false
    private var last = DispatchTime.now().uptimeNanoseconds
    private var phases = [(String, UInt64)]()
    private let lock = NSLock()

    /// The phase that ran since the previous `end` on the command's own thread.
    func end(_ phase: String) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        lock.withLock {
            phases.append((phase, now - last))
            last = now
        }
    }

    /// A phase that runs beside the others (on another thread), not counted in the sequence of `end`: reported by
    /// its wall time, "<phase> (beside the archive)", and by the CPU time its thread spent on it, "<phase> (beside
    /// the archive, CPU)". Beside the compressing threads, the wall time depends on how long the thread waited for a
    /// core; the CPU time is what the phase costs the run.
    func measure<Value>(beside phase: String, _ body: () throws -> Value) rethrows -> Value {
        guard enabled else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds, startCPU = Self.threadCPUTime()
        defer {
            let elapsed = DispatchTime.now().uptimeNanoseconds - start, cpu = Self.threadCPUTime() - startCPU
            lock.withLock {
                phases.append(("\(phase) (beside the archive)", elapsed))
                phases.append(("\(phase) (beside the archive, CPU)", cpu))
            }
        }
        return try body()
    }

    /// The calling thread's CPU time, in nanoseconds.
    private static func threadCPUTime() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    func report() {
        guard enabled else { return }
        for (phase, nanoseconds) in lock.withLock({ phases }) {
            FileHandle.standardError.write(Data("relswap: timing: \(phase): \(nanoseconds / 1_000_000) ms\n".utf8))
        }
    }
}
