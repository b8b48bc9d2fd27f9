import Foundation

/// Set by SIGUSR1: the failpoint's pause is over.
nonisolated(unsafe) private var failpointReleased: sig_atomic_t = 0

/// Fault injection at the points where an upgrade can be interrupted, for the fault-matrix tests and for an
/// operator who wants to rehearse a failure: with `RELSWAP_FAILPOINT=<point>` in its environment, the agent pauses
/// when it reaches that point (the task that reached it waits; the connection stays open), says so, and goes on
/// after `kill -USR1 <pid>`; whatever is to go wrong (the agent killed, the node killed, the connection cut) can be
/// made to happen meanwhile. It says so by writing `<point> <pid>` into the file `RELSWAP_FAILPOINT_FILE` names,
/// else on standard error.
///
/// The points: `module:function` right after that call was sent to the node (its reply not yet read, so the node
/// is running it), e.g. `release_handler:unpack_release`, `release_handler:install_release`,
/// `release_handler:make_permanent`; and `health` before the health check. Unset, it costs one comparison.
///
/// (A first version stopped the process with SIGSTOP: under load the stop sometimes did not hold, the process going
/// on within a millisecond, so the pause is a wait on a signal instead.)
public enum Failpoint {
    static let selected = ProcessInfo.processInfo.environment["RELSWAP_FAILPOINT"].flatMap { $0.isEmpty ? nil : $0 }
    static let lock = NSLock()

    static func isSelected(_ point: @autoclosure () -> String) -> Bool {
        guard let selected else { return false }
        return selected == point()
    }

    /// Waits until SIGUSR1. Two tasks reaching the point at once pause one after the other.
    static func pause(_ point: String) {
        lock.lock()
        defer { lock.unlock() }
        signal(SIGUSR1) { _ in failpointReleased = 1 }
        failpointReleased = 0
        let notice = "\(point) \(getpid())\n"
        if let file = ProcessInfo.processInfo.environment["RELSWAP_FAILPOINT_FILE"], !file.isEmpty {
            _ = FileManager.default.createFile(atPath: file, contents: Data(notice.utf8))
        } else {
            FileHandle.standardError.write(Data("relswap-agent: failpoint \(point) reached; kill -USR1 \(getpid()) to go on\n".utf8))
        }
        while failpointReleased == 0 { usleep(2_000) }
        if let file = ProcessInfo.processInfo.environment["RELSWAP_FAILPOINT_FILE"], !file.isEmpty {
            try? FileManager.default.removeItem(atPath: file)
        }
    }
}
