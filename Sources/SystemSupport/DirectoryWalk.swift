#if canImport(Glibc)
import Glibc
#endif

/// Directory listings from `readdir` alone: each entry comes with its type, so no entry is `stat`ed to tell a
/// directory from a file (FileManager's enumerator stats each, a path walk in the kernel per entry: a tenth of
/// `inspect`'s time over a directory of a thousand beams, on one thread, and a third of the packing thread's system
/// time in `generate-upgrade`).
package enum DirectoryWalk {
    /// An entry's name and its `d_type` (`DT_REG`, `DT_DIR`, `DT_LNK`, ..., or `DT_UNKNOWN` where the file system
    /// does not say: the caller `lstat`s it then).
    package struct Entry: Sendable {
        package var name: String
        package var type: Int32
    }

    /// The entries of `directory` (not `.` and `..`), sorted by name; nil if it cannot be opened (`errno` says why).
    package static func entries(of directory: String) -> [Entry]? {
        guard let stream = opendir(directory) else { return nil }
        defer { closedir(stream) }
        var entries = [Entry]()
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { entries.append(Entry(name: name, type: Int32(entry.pointee.d_type))) }
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// The paths of every entry under `root`, relative to it. Directories are entered, links to them are not (as
    /// FileManager's enumerator does).
    package static func relativePaths(under root: String) -> [String] {
        var found = [String]()
        func walk(_ directory: String, _ prefix: String) {
            for entry in entries(of: directory) ?? [] {
                let relative = prefix.isEmpty ? entry.name : prefix + "/" + entry.name
                var isDirectory = entry.type == Int32(DT_DIR)
                if entry.type == Int32(DT_UNKNOWN) {
                    var status = stat()
                    isDirectory = lstat(directory + "/" + entry.name, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
                }
                found.append(relative)
                if isDirectory { walk(directory + "/" + entry.name, relative) }
            }
        }
        walk(root, "")
        return found
    }
}
