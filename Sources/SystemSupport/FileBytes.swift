#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be read: the system's own words (`strerror`).
package struct FileReadError: Error, Sendable, Equatable {
    package var reason: String
    package var isDirectory: Bool
}

/// Reads a whole file with one `fstat` and as few `read` calls as it takes, into a new array:
/// no Foundation `Data` in between, which matters when thousands of beams are read.
package enum FileBytes {
    package static func read(_ path: String) throws(FileReadError) -> [UInt8] {
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below, as any special file).
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileReadError(reason: String(cString: strerror(errno)), isDirectory: false) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileReadError(reason: String(cString: strerror(errno)), isDirectory: false) }
        if (status.st_mode & S_IFMT) == S_IFDIR { throw FileReadError(reason: "it is a directory", isDirectory: true) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw FileReadError(reason: "it is not a regular file (a FIFO, socket or device)", isDirectory: false)
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { buffer in
            while filled < buffer.count, let base = buffer.baseAddress {
                let count = Glibc.read(descriptor, base + filled, buffer.count - filled)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if count == 0 { break }
                filled += count
            }
        }
        if failure != 0 { throw FileReadError(reason: String(cString: strerror(failure)), isDirectory: false) }
        if filled < bytes.count { bytes.removeSubrange(filled...) }
        return bytes
    }
}
