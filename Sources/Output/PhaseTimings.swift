import Foundation

/// With `RELSWAP_TIMINGS` set, each phase's wall time on standard error when the command ends (for the benchmarks and
/// for a user who wants to know where the time goes); otherwise nothing.
final class PhaseTimings {
    private let enabled = ProcessInfo.processInfo.environment["RELSWAP_TIMINGS"].map { !$0.isEmpty } ?? false
    private var last = DispatchTime.now().uptimeNanoseconds
    private var phases = [(String, UInt64)]()

    func end(_ phase: String) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        phases.append((phase, now - last))
        last = now
    }

    func report() {
        guard enabled else { return }
        for (phase, nanoseconds) in phases {
            FileHandle.standardError.write(Data("relswap: timing: \(phase): \(nanoseconds / 1_000_000) ms\n".utf8))
        }
    }
}
