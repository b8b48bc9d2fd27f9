import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Temporary files and directories that a command is writing (`*.relswap-PID`), removed if the command is stopped
/// by SIGINT, SIGTERM or SIGHUP before it renames them into place, so that nothing is left half-written.
///
/// Creating, renaming and registering paths happen inside `gated`, under the lock the signal handler takes and
/// never gives back: the handler cannot run between a file's creation and its registration (which would leave it),
/// nor between two renames that belong together, and once it has removed what is registered no thread can create
/// anything more (it waits on the lock until the process ends).
package enum TemporaryFiles {
    /// The paths to remove on a signal, changed only inside `gated`.
    package struct Registry {
        fileprivate var paths = Set<String>()
        package mutating func add(_ path: String) { paths.insert(path) }
        package mutating func remove(_ path: String) { paths.remove(path) }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var registry = Registry()
    nonisolated(unsafe) private static var sources = [DispatchSourceSignal]()

    /// Installs the handlers once: each removes what is registered and exits with 128 + the signal's number.
    package static func removeOnSignals() {
        lock.withLock {
            guard sources.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    // Kept locked: whatever another thread is about to create waits here until the process ends.
                    lock.lock()
                    for path in registry.paths { try? FileManager.default.removeItem(atPath: path) }
                    _exit(128 + signalNumber)
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// Runs `body`, a step that creates or renames paths (a system call or two, not the writing of contents), with
    /// the signal handler held off; `body` registers or unregisters the paths it made or moved.
    package static func gated<T, E: Error>(_ body: (inout Registry) throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&registry)
    }

    package static func register(_ path: String) { gated { $0.add(path) } }
    package static func unregister(_ path: String) { gated { $0.remove(path) } }
}
