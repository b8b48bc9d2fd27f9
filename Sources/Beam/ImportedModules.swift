/// The modules a beam imports functions from (its `ImpT`'s module atoms), kept as 64-bit hashes of their names
/// (FNV-1a over the atom's UTF-8 text). It is recorded for every beam while two releases are compared, without a
/// string per name, so that a later check (calls that break) can tell which beams cannot call any of a few modules
/// without reading them again. Two names may share a hash, so `mayCallAny` can answer true for a beam that calls
/// none of them: the caller reads that beam to know. It never answers false for a beam that calls one.
public struct ImportedModules: Sendable {
    private let hashes: Set<UInt64>

    public init(names: some Sequence<String>) {
        hashes = Set(names.map { Self.hash($0.utf8) })
    }

    /// The modules `file` imports from, read from its import and atom tables.
    public init(of file: BeamFile) throws(BeamError) {
        let ranges = try file.atomRanges()
        var hashes = Set<UInt64>()
        for entry in try BeamModule.triples(file, "ImpT") {
            guard entry.0 >= 1, Int(entry.0) <= ranges.count else {
                throw file.invalid("ImpT", "an atom index is outside the atom table of \(ranges.count)")
            }
            hashes.insert(Self.hash(file.bytes[ranges[Int(entry.0) - 1]]))
        }
        self.hashes = hashes
    }

    /// A module name's hash, as `mayCallAny` takes them.
    public static func hash(_ utf8: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// Whether one of the modules (given by `hash`) may be among those imported from; false means certainly not.
    public func mayCallAny(of modules: Set<UInt64>) -> Bool {
        !hashes.isDisjoint(with: modules)
    }
}
