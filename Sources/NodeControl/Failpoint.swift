import Foundation

/// Fault injection at the points where an upgrade can be interrupted, for the fault-matrix tests and for an
/// operator who wants to rehearse a failure: with `RELSWAP_FAILPOINT=<point>` in its environment, the agent
/// stops itself (SIGSTOP) when it reaches that point, so that whatever is to go wrong (the agent killed, the node
/// killed, the connection cut) can be made to happen there, after which SIGCONT or SIGKILL ends the pause.
///
/// The points: `module:function` right after that call was sent to the node (its reply not yet read, so the node
/// is running it), e.g. `release_handler:unpack_release`, `release_handler:install_release`,
/// `release_handler:make_permanent`; and `health` before the health check. Unset, it costs one comparison.
public enum Failpoint {
    static let selected = ProcessInfo.processInfo.environment["RELSWAP_FAILPOINT"].flatMap { $0.isEmpty ? nil : $0 }

    static func isSelected(_ point: @autoclosure () -> String) -> Bool {
        guard let selected else { return false }
        return selected == point()
    }

    /// Stops the whole process (every thread) until SIGCONT.
    static func stop() {
        kill(getpid(), SIGSTOP)
    }
}
