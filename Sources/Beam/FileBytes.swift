#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file with one `fstat` and as few `read` calls as it takes.
enum FileBytes {
    static func read(_ path: String) throws(BeamError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw BeamError(path: path, reason: .unreadable(detail: String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw BeamError(path: path, reason: .unreadable(detail: String(cString: strerror(errno))))
        }
        if (status.st_mode & S_IFMT) == S_IFDIR { throw BeamError(path: path, reason: .unreadable(detail: "it is a directory")) }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { buffer in
            while filled < buffer.count {
                let count = Glibc.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if count == 0 { break }
                filled += count
            }
        }
        if failure != 0 { throw BeamError(path: path, reason: .unreadable(detail: String(cString: strerror(failure)))) }
        if filled < bytes.count { bytes.removeSubrange(filled...) }
        return bytes
    }
}
