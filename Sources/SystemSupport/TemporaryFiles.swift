import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Temporary files and directories that a command is writing (`*.relswap-PID`), removed if the command is stopped
/// by SIGINT, SIGTERM or SIGHUP before it renames them into place, so that nothing is left half-written.
package enum TemporaryFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths = Set<String>()
    nonisolated(unsafe) private static var sources = [DispatchSourceSignal]()

    /// Installs the handlers once: each removes what is registered and exits with 128 + the signal's number.
    package static func removeOnSignals() {
        lock.withLock {
            guard sources.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    removeAll()
                    exit(128 + signalNumber)
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    package static func register(_ path: String) { lock.withLock { _ = paths.insert(path) } }
    package static func unregister(_ path: String) { lock.withLock { _ = paths.remove(path) } }

    static func removeAll() {
        let all = lock.withLock { paths }
        for path in all { try? FileManager.default.removeItem(atPath: path) }
    }
}
