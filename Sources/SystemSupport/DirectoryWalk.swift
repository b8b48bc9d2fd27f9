#if canImport(Glibc)
import Glibc
#endif

/// The paths of every entry under a directory, relative to it, found with `readdir` alone: its entry types say which
/// are directories, so no entry is `stat`ed (FileManager's enumerator stats each, which made listing a directory of
/// a thousand beams a tenth of `inspect`'s time, on one thread). Directories are entered, links to them are not (as
/// FileManager's enumerator does); the order is the directory's, so callers sort.
package enum DirectoryWalk {
    package static func relativePaths(under root: String) -> [String] {
        var found = [String]()
        func walk(_ directory: String, _ prefix: String) {
            guard let stream = opendir(directory) else { return }
            defer { closedir(stream) }
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let relative = prefix.isEmpty ? name : prefix + "/" + name
                var isDirectory = Int32(entry.pointee.d_type) == Int32(DT_DIR)
                if Int32(entry.pointee.d_type) == Int32(DT_UNKNOWN) {
                    var status = stat()
                    isDirectory = lstat(directory + "/" + name, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
                }
                found.append(relative)
                if isDirectory { walk(directory + "/" + name, relative) }
            }
        }
        walk(root, "")
        return found
    }
}
