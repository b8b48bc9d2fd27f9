import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// File operations for assembling a release: copies that follow symbolic links (so the release stands
/// on its own even when the build tool linked its libraries) and keep permission bits.
public enum FileTree {
    static func failure(_ path: String, _ message: String) -> OutputError {
        OutputError(path: path, message: message)
    }

    static func systemError(_ path: String, _ what: String) -> OutputError {
        failure(path, "cannot \(what): \(String(cString: strerror(errno)))")
    }

    /// `stat`, following links; `nil` if the path does not exist.
    static func status(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    static func isDirectory(_ path: String) -> Bool {
        guard let info = status(path) else { return false }
        return (info.st_mode & S_IFMT) == S_IFDIR
    }

    // Paths are created and renamed through TemporaryFiles.gated, so that a signal's cleanup never runs in the
    // middle of one and nothing is created after it.

    static func makeDirectory(_ path: String) throws(OutputError) {
        do {
            try TemporaryFiles.gated { _ in try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        } catch {
            throw failure(path, "cannot create the directory: \(error.localizedDescription)")
        }
    }

    /// Writes `bytes` to `path` with `mode`, creating parent directories.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(OutputError) {
        try makeDirectory((path as NSString).deletingLastPathComponent)
        let descriptor = TemporaryFiles.gated { _ in open(path, O_WRONLY | O_CREAT | O_TRUNC, mode) }
        guard descriptor >= 0 else { throw systemError(path, "create the file") }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw systemError(path, "write the file")
            }
            written += count
        }
        // open's mode is filtered by the umask; set it exactly so the tree is the same everywhere.
        guard fchmod(descriptor, mode) == 0 else { throw systemError(path, "set the file's permissions") }
    }

    static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws(OutputError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// What a copy did not copy as it found it: links kept as links (dangling ones, and directory links that lead
    /// back into a directory being copied), as sentences naming the path.
    public final class Notes: @unchecked Sendable {
        public private(set) var messages = [String]()
        private let lock = NSLock()
        func add(_ message: String) { lock.withLock { messages.append(message) } }
    }

    /// Copies a file, or a directory recursively, following symbolic links. A link that cannot be followed (its
    /// target is missing) or that leads back into a directory being copied (a link to itself or an ancestor) is
    /// copied as the link it is and noted, never a reason to refuse: such links are assets (a web asset pointing
    /// into a package that is not installed), not code.
    /// - Parameter skip: names (of files or directories, at any depth) not to copy.
    static func copy(_ source: String, to destination: String, skip: Set<String> = [], notes: Notes? = nil) throws(OutputError) {
        try copy(source, to: destination, skip: skip, notes: notes, ancestors: [])
    }

    static func copyLink(_ source: String, to destination: String, notes: Notes?, why: String) throws(OutputError) {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(source, &buffer, buffer.count - 1)
        guard length >= 0 else { throw systemError(source, "read the link") }
        let target = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        try makeDirectory((destination as NSString).deletingLastPathComponent)
        guard TemporaryFiles.gated({ _ in symlink(target, destination) }) == 0 else { throw systemError(destination, "create the link") }
        notes?.add("\(source) \(why); copied as a link to \(target)")
    }

    private struct FileID: Hashable { var device: UInt64; var inode: UInt64 }

    private static func copy(_ source: String, to destination: String, skip: Set<String>, notes: Notes?, ancestors: Set<FileID>) throws(OutputError) {
        guard let info = status(source) else {
            var link = stat()
            if lstat(source, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK {
                return try copyLink(source, to: destination, notes: notes, why: errno == ELOOP ? "is a link that loops" : "is a link to nothing")
            }
            throw systemError(source, "read it")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            let id = FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            if ancestors.contains(id) {
                return try copyLink(source, to: destination, notes: notes, why: "is a link back to a directory that contains it")
            }
            try makeDirectory(destination)
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: source).sorted()
            } catch {
                throw failure(source, "cannot list the directory: \(error.localizedDescription)")
            }
            for entry in entries where !skip.contains(entry) {
                try copy(source + "/" + entry, to: destination + "/" + entry, skip: skip, notes: notes, ancestors: ancestors.union([id]))
            }
            return
        }
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(source)
        } catch {
            throw failure(source, "cannot read the file: \(error.reason)")
        }
        try write(bytes, to: destination, mode: info.st_mode & 0o777)
    }

    static func setMode(_ path: String, _ mode: mode_t) throws(OutputError) {
        guard chmod(path, mode) == 0 else { throw systemError(path, "set the file's permissions") }
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    static func rename(_ source: String, _ destination: String) throws(OutputError) {
        try TemporaryFiles.gated { (registry) throws(OutputError) in try rename(source, destination, registry: &registry) }
    }

    /// A rename inside a `TemporaryFiles.gated` step that does more (registers the result, or renames again).
    static func rename(_ source: String, _ destination: String, registry: inout TemporaryFiles.Registry) throws(OutputError) {
        guard Glibc.rename(source, destination) == 0 else { throw systemError(destination, "move \(source) into place") }
    }
}
