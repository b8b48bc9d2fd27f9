import CArchive
import Crypto
import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// A reproducible gzip-compressed tar, written through libarchive and compressed on every core, that `erl_tar`
/// (and so `release_handler:unpack_release/1`) extracts.
///
/// Entries are sorted by path, owned by uid/gid 0 with no user or group names, dated `mtime`
/// (`SOURCE_DATE_EPOCH`, else 0), and the gzip header carries no timestamp: the same files give the
/// same bytes. File contents are streamed in 64 KiB pieces, never held whole.
public struct UpgradeArchive {
    /// One file of the archive: its path in the archive and where its bytes come from.
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var source: String
        public init(path: String, source: String) {
            self.path = path
            self.source = source
        }
    }

    public var entries: [Entry]
    public var mtime: Int
    package var compression: Compression
    /// Called before each entry is written (in the sorted order): a caller that prepares some files beside the
    /// archive waits there for them. An error stops the archive (its temporary file is removed).
    package var beforeEntry: ((Entry) throws(OutputError) -> Void)?

    package init(entries: [Entry], mtime: Int = UpgradeArchive.defaultModificationTime, compression: Compression = .default) {
        self.entries = entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        self.mtime = mtime
        self.compression = compression
    }

    /// `SOURCE_DATE_EPOCH` if set (reproducible-builds.org), else 0.
    public static var defaultModificationTime: Int {
        ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Int.init) ?? 0
    }

    /// Every file under `directory`, as entries under `prefix`. A symbolic link whose target is inside `root` (the
    /// release) is followed (a directory link once: a loop is not entered twice); a link to nothing is left out and
    /// noted (an asset, nothing the node runs); a link out of the release and any special file (FIFO, socket,
    /// device) are refused with the path, so that nothing from elsewhere on the host is packed unsaid and nothing
    /// blocks the walk.
    public static func entries(under directory: String, prefix: String, root: String, notes: FileTree.Notes? = nil) throws(OutputError) -> [Entry] {
        let realRoot = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        var entries = [Entry]()
        var visited = Set<String>()
        // A directory's entries come with their types (readdir's d_type): a regular file or a directory is taken
        // without a stat of its own, which was one path walk in the kernel for each of thousands of files.
        func listing(_ path: String) throws(OutputError) -> [DirectoryWalk.Entry] {
            guard let entries = DirectoryWalk.entries(of: path) else {
                throw OutputError(path: path, message: "cannot list the directory: \(String(cString: strerror(errno)))")
            }
            return entries
        }
        func walk(_ path: String, _ archivePath: String, type: Int32) throws(OutputError) {
            var kind: mode_t
            switch type {
            case Int32(DT_REG): kind = S_IFREG
            case Int32(DT_DIR): kind = S_IFDIR
            default:
                var info = stat()
                guard lstat(path, &info) == 0 else { throw FileTree.systemError(path, "read it") }
                kind = info.st_mode & S_IFMT
            }
            if kind == S_IFLNK {
                var target = stat()
                guard stat(path, &target) == 0 else {
                    notes?.add("\(path) is a link to nothing; left out of the archive")
                    return
                }
                let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
                guard real == realRoot || real.hasPrefix(realRoot + "/") else {
                    throw OutputError(path: path, message: "is a link to \(real), outside the release",
                                      hint: "the archive would carry that file from this host; copy it into the release (relswap generate copies what links point to; relx: build without dev_mode)")
                }
                kind = target.st_mode & S_IFMT
                if kind == S_IFDIR {
                    guard visited.insert(real).inserted else { return }
                }
            }
            switch kind {
            case S_IFREG:
                entries.append(Entry(path: archivePath, source: path))
            case S_IFDIR:
                for child in try listing(path) { try walk(path + "/" + child.name, archivePath + "/" + child.name, type: child.type) }
            default:
                throw OutputError(path: path, message: "is not a regular file or directory (a FIFO, socket or device)",
                                  hint: "remove it from the release; an upgrade archive holds regular files only")
            }
        }
        var top = stat()
        guard stat(directory, &top) == 0 else { return [] }
        visited.insert(URL(fileURLWithPath: directory).resolvingSymlinksInPath().path)
        try walk(directory, prefix, type: Int32(DT_UNKNOWN))
        return entries
    }

    /// Where libarchive's tar output goes: the parallel gzip compressor, then the file. The compressed bytes are
    /// hashed and written on a queue of their own, so that the thread reading files into the tar (the longer one
    /// on two cores) does not also hash and write the output; at most `inFlight` pieces wait there.
    private final class Destination: @unchecked Sendable {
        let descriptor: Int32
        var gzip: ParallelGzip?
        var failure: Error?
        /// The archive's sha256 and size, taken from the bytes as they are written (not read back afterwards);
        /// touched only on `queue`.
        var hasher = SHA256()
        var size = 0
        /// One buffer for reading every file into the tar (a new one per file cost a 64 KiB clear each).
        var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
        private let queue = DispatchQueue(label: "relswap.archive-writer")
        private let slots = DispatchSemaphore(value: Destination.inFlight)
        private static let inFlight = 16
        private let lock = NSLock()
        private var writeFailure: OutputError?

        init(descriptor: Int32) { self.descriptor = descriptor }

        func writeAll(_ bytes: [UInt8]) throws {
            if let failure = lock.withLock({ writeFailure }) { throw failure }
            slots.wait()
            queue.async { [self] in
                defer { slots.signal() }
                guard lock.withLock({ writeFailure == nil }) else { return }
                hasher.update(data: bytes)
                size += bytes.count
                var written = 0
                while written < bytes.count {
                    let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
                    if count < 0 {
                        if errno == EINTR { continue }
                        let error = OutputError(path: "archive", message: String(cString: strerror(errno)))
                        lock.withLock { writeFailure = error }
                        return
                    }
                    written += count
                }
            }
        }

        /// Waits until every piece is written; the first write failure, if any.
        func drain() throws {
            queue.sync {}
            if let failure = lock.withLock({ writeFailure }) { throw failure }
        }
    }

    /// Writes the archive to `path` (through a temporary file renamed at the end); returns its size and sha256.
    ///
    /// libarchive writes the tar (without a compression filter) through a callback into `ParallelGzip`, which
    /// compresses on every core; `erl_tar` reads the result as any gzip file.
    /// - Parameter keepRegistered: the archive in place stays registered for removal on a signal (as its temporary
    ///   file was), for a caller that has more to put in place beside it; that caller unregisters it.
    public func write(to path: String, keepRegistered: Bool = false) throws(OutputError) -> (size: Int, sha256: String) {
        // Non-ASCII names: libarchive converts from the locale's character set (see docs: swift notes).
        setlocale(LC_CTYPE, "C.UTF-8")
        let temporary = "\(path).relswap-\(getpid())"
        guard let archive = archive_write_new() else { throw OutputError(path: path, message: "libarchive could not start a writer") }
        defer { archive_write_free(archive) }
        let descriptor = TemporaryFiles.gated { (registry) in
            registry.add(temporary)
            return open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        defer { TemporaryFiles.unregister(temporary) }
        guard descriptor >= 0 else { throw FileTree.systemError(temporary, "create the archive") }
        let destination = Destination(descriptor: descriptor)
        func check(_ status: Int32, _ what: String) throws(OutputError) {
            guard status == ARCHIVE_OK else {
                // A failure to write the archive (a full disk) is the archive's, not the entry's being packed.
                if let failure = destination.failure { throw OutputError(path: path, message: "cannot write the archive: \((failure as? OutputError)?.message ?? "\(failure)")") }
                let message = archive_error_string(archive).map { String(cString: $0) } ?? "status \(status)"
                throw OutputError(path: path, message: "\(what): \(message)")
            }
        }
        let client = Unmanaged.passRetained(destination)
        defer { client.release() }
        do throws(OutputError) {
            do {
                destination.gzip = try ParallelGzip(compression: compression) { bytes in try destination.writeAll(bytes) }
            } catch {
                throw OutputError(path: path, message: "cannot start compressing: \(error)")
            }
            try check(archive_write_set_format_pax_restricted(archive), "tar format")
            try check(archive_write_open(archive, client.toOpaque(), nil, { _, clientData, buffer, length in
                let destination = Unmanaged<Destination>.fromOpaque(clientData!).takeUnretainedValue()
                do {
                    try destination.gzip?.write(UnsafeRawBufferPointer(start: buffer, count: length))
                    return la_ssize_t(length)
                } catch {
                    destination.failure = error
                    return -1
                }
            }, nil), "opening the archive")
            var directories = Set<String>()
            for entry in entries {
                try beforeEntry?(entry)
                // Directory entries first, so that extraction gives them sane permissions.
                var parents = [String]()
                var parent = UpgradeArchive.parentPath(entry.path)
                while !parent.isEmpty && !directories.contains(parent) {
                    parents.append(parent)
                    directories.insert(parent)
                    parent = UpgradeArchive.parentPath(parent)
                }
                for directory in parents.reversed() { try writeHeader(archive, path: directory + "/", size: 0, directory: true, mode: 0o755, check: check) }
                try writeFile(archive, entry, buffer: &destination.readBuffer, check: check)
            }
            try check(archive_write_close(archive), "closing the archive")
            do {
                try destination.gzip?.finish()
                try destination.drain()
            } catch {
                throw OutputError(path: path, message: "cannot write the archive: \((error as? OutputError)?.message ?? "\(error)")")
            }
            if let failure = destination.failure { throw OutputError(path: path, message: "\(failure)") }
            close(descriptor)
            try TemporaryFiles.gated { (registry) throws(OutputError) in
                // An archive of the same name from an earlier run is unlinked first: renaming over it made ext4
                // write the new archive out at once (its guard for files replaced by rename), 10 to 20 ms of the
                // run for the benchmark's 26 MiB, which a new name does not cost. Nothing is synced either way.
                unlink(path)
                try FileTree.rename(temporary, path, registry: &registry)
                if keepRegistered { registry.add(path) }
            }
        } catch {
            try? destination.drain()
            close(descriptor)
            FileTree.remove(temporary)
            throw error
        }
        return (destination.size, destination.hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    /// `a/b/c` -> `a/b`, `a` -> empty: archive paths are relative and have no trailing slash (NSString's
    /// deletingLastPathComponent, bridged per entry, was a few percent of the run).
    static func parentPath(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return String(path[..<slash])
    }

    private func writeHeader(_ archive: OpaquePointer, path: String, size: Int, directory: Bool, mode: UInt32,
                             check: (Int32, String) throws(OutputError) -> Void) throws(OutputError) {
        guard let header = archive_entry_new() else { throw OutputError(path: path, message: "libarchive could not make an entry") }
        defer { archive_entry_free(header) }
        archive_entry_set_pathname(header, path)
        archive_entry_set_size(header, la_int64_t(size))
        archive_entry_set_filetype(header, directory ? relswap_archive_directory : relswap_archive_regular_file)
        archive_entry_set_perm(header, mode_t(mode))
        archive_entry_set_mtime(header, time_t(mtime), 0)
        archive_entry_set_uid(header, 0)
        archive_entry_set_gid(header, 0)
        try check(archive_write_header(archive, header), "adding \(path)")
    }

    private func writeFile(_ archive: OpaquePointer, _ entry: Entry, buffer: inout [UInt8],
                           check: (Int32, String) throws(OutputError) -> Void) throws(OutputError) {
        // Opened first and then fstat'ed: one path walk per file, not two.
        let descriptor = open(entry.source, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileTree.systemError(entry.source, errno == ENOENT ? "read it" : "open it") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileTree.systemError(entry.source, "read it") }
        let mode: UInt32 = (info.st_mode & 0o111) != 0 ? 0o755 : 0o644
        try writeHeader(archive, path: entry.path, size: Int(info.st_size), directory: false, mode: mode, check: check)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileTree.systemError(entry.source, "read it")
            }
            if count == 0 { break }
            let written = buffer.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, count) }
            guard written == count else {
                // The archive's own failure (a full disk) is said first, with the archive named.
                try check(ARCHIVE_FATAL, "could not add \(entry.source) to the archive")
                throw OutputError(path: entry.source, message: "could not add it to the archive: \(archive_error_string(archive).map { String(cString: $0) } ?? "short write")")
            }
        }
    }
}
