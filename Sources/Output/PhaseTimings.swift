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

    /// A phase that runs beside the others (on another thread): reported as "<phase> (beside the archive)", not
    /// counted in the sequence of `end`.
    func measure<Value>(beside phase: String, _ body: () throws -> Value) rethrows -> Value {
        guard enabled else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            lock.withLock { phases.append(("\(phase) (beside the archive)", elapsed)) }
        }
        return try body()
    }

    func report() {
        guard enabled else { return }
        for (phase, nanoseconds) in lock.withLock({ phases }) {
            FileHandle.standardError.write(Data("relswap: timing: \(phase): \(nanoseconds / 1_000_000) ms\n".utf8))
        }
    }
}
