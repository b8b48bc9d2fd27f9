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
    /// `directory` (a descriptor of an open directory, see `openDirectory`) makes `path` relative to it.
    package static func read(_ path: String, relativeTo directory: Int32 = AT_FDCWD) throws(FileReadError) -> [UInt8] {
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below, as any special file).
        let descriptor = openat(directory, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileReadError(reason: String(cString: strerror(errno)), isDirectory: false) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileReadError(reason: String(cString: strerror(errno)), isDirectory: false) }
        if (status.st_mode & S_IFMT) == S_IFDIR { throw FileReadError(reason: "it is a directory", isDirectory: true) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw FileReadError(reason: "it is not a regular file (a FIFO, socket or device)", isDirectory: false)
        }
        // Not zero-filled first: every byte kept is one read from the file (the count is cut to what was read).
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: Int(status.st_size)) { buffer, initialized in
            var filled = 0
            while filled < buffer.count, let base = buffer.baseAddress {
                let count = Glibc.read(descriptor, base + filled, buffer.count - filled)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if count == 0 { break }
                filled += count
            }
            initialized = filled
        }
        if failure != 0 { throw FileReadError(reason: String(cString: strerror(failure)), isDirectory: false) }
        return bytes
    }

    /// At most the first `limit` bytes of a regular file (fewer if it is shorter): one open and one read, for a
    /// reader that needs only a file's head. A FIFO or a directory gives nothing. `directory` (a descriptor of an
    /// open directory) makes `path` relative to it, which spares the kernel walking the same leading path for every
    /// file of a directory.
    package static func readPrefix(_ path: String, limit: Int, relativeTo directory: Int32 = AT_FDCWD) -> [UInt8] {
        let descriptor = openat(directory, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        return [UInt8](unsafeUninitializedCapacity: limit) { buffer, initialized in
            var filled = 0
            while filled < buffer.count, let base = buffer.baseAddress {
                let count = Glibc.read(descriptor, base + filled, buffer.count - filled)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                filled += count
            }
            initialized = filled
        }
    }

    /// A descriptor of `directory` for the `relativeTo:` readers, or nil if it cannot be opened (read the full
    /// paths then, so that the error is the file's). The caller closes it with `closeDirectory`.
    package static func openDirectory(_ directory: String) -> Int32? {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        return descriptor >= 0 ? descriptor : nil
    }

    package static func closeDirectory(_ descriptor: Int32) {
        close(descriptor)
    }

    /// Runs `body` with a descriptor of `directory`, or nil if it cannot be opened (read by full paths then: a
    /// relative name must never fall back to the working directory), closed after.
    package static func withDirectory<Result>(_ directory: String, _ body: (Int32?) throws -> Result) rethrows -> Result {
        let descriptor = openDirectory(directory)
        defer { if let descriptor { closeDirectory(descriptor) } }
        return try body(descriptor)
    }
}
