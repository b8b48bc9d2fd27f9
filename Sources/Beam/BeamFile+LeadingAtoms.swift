import SystemSupport

extension BeamFile {
    /// The beam at `path` cut after its atom table, read from the file's first `limit` bytes only: erlc writes the
    /// atom table first, so a check that only needs a module's atoms (does it mention module M at all?) reads a few
    /// kilobytes instead of the whole file. `nil` when the file is compressed, is not a beam, or its atom table does
    /// not end within the prefix: read the whole file then.
    public static func leadingAtoms(path: String, limit: Int = 4096) -> BeamFile? {
        leadingAtoms(prefix: FileBytes.readPrefix(path, limit: limit), path: path)
    }

    /// The same for `name` in the directory open as `directory`.
    public static func leadingAtoms(name: String, directory: Int32, path: String, limit: Int = 4096) -> BeamFile? {
        leadingAtoms(prefix: FileBytes.readPrefix(name, limit: limit, relativeTo: directory), path: path)
    }

    static func leadingAtoms(prefix: [UInt8], path: String) -> BeamFile? {
        guard prefix.count >= 12, prefix[0...3].elementsEqual("FOR1".utf8), prefix[8...11].elementsEqual("BEAM".utf8) else { return nil }
        var offset = 12
        while offset + 8 <= prefix.count {
            let id = prefix[offset..<(offset + 4)]
            let size = prefix[(offset + 4)..<(offset + 8)].reduce(0) { $0 << 8 | Int($1) }
            let end = offset + 8 + size
            if id.elementsEqual("AtU8".utf8) || id.elementsEqual("Atom".utf8) {
                guard end <= prefix.count else { return nil }
                return try? BeamFile(bytes: Array(prefix[0..<end]), path: path)
            }
            offset = end + ((4 - size % 4) % 4)
        }
        return nil
    }

    /// Whether any atom of this beam is one of `names` (UTF-8 bytes; `lengths` their byte counts, to skip the rest
    /// without copying them).
    public func hasAtom(in names: Set<[UInt8]>, lengths: Set<Int>) throws(BeamError) -> Bool {
        for range in try atomRanges() where lengths.contains(range.count) {
            if names.contains(Array(bytes[range])) { return true }
        }
        return false
    }
}
