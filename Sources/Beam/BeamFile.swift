import ErlangTerm
import SystemSupport

/// A BEAM file's container: the IFF chunk table over the (uncompressed) bytes.
///
/// Chunks are walked as `beam_lib:scan_beam` does: after `FOR1 <size> BEAM`, an id of 4 bytes, a
/// big-endian 32-bit size, the data, and zero padding to a multiple of 4, until the end of the file.
public struct BeamFile: Sendable {
    /// One chunk: its id and where its data lies in `bytes` (padding excluded).
    public struct Chunk: Sendable, Equatable {
        public let id: String
        public let offset: Int
        public let size: Int
    }

    /// The largest size a gzip-compressed BEAM file may inflate to.
    static let maximumUncompressedSize = 256 << 20

    public let path: String
    /// The file's bytes, after gunzip if it was compressed.
    public let bytes: [UInt8]
    public let chunks: [Chunk]
    /// True if the file on disk was gzip-compressed (as `beam_lib:strip` can leave it).
    public let wasCompressed: Bool

    /// Reads and walks the file at `path`.
    /// - Throws: `BeamError` naming `path`.
    public init(path: String) throws(BeamError) {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path)
        } catch {
            throw BeamError(path: path, reason: .unreadable(detail: error.reason))
        }
        try self.init(bytes: bytes, path: path)
    }

    /// Walks `bytes`, which came from `path` (used in errors).
    public init(bytes raw: [UInt8], path: String) throws(BeamError) {
        self.path = path
        var bytes = raw
        wasCompressed = raw.count >= 2 && raw[0] == 0x1F && raw[1] == 0x8B
        if wasCompressed {
            do {
                bytes = try Zlib.inflate(raw, container: .gzip, limit: BeamFile.maximumUncompressedSize)
            } catch {
                switch error {
                case .corrupt(let detail): throw BeamError(path: path, reason: .corruptCompression(detail: detail))
                case .tooLarge(let limit): throw BeamError(path: path, reason: .corruptCompression(detail: "inflates to more than \(limit) bytes"))
                }
            }
        }
        self.bytes = bytes
        var reader = ByteReader(bytes)
        guard let form = reader.readBytes(4), form.elementsEqual("FOR1".utf8), reader.skip(4),
              let kind = reader.readBytes(4), kind.elementsEqual("BEAM".utf8) else {
            throw BeamError(path: path, reason: .notABeamFile)
        }
        var chunks = [Chunk]()
        while reader.remaining > 0 {
            let headerOffset = reader.offset
            guard let idBytes = reader.readBytes(4), let size32 = reader.readInteger(as: UInt32.self) else {
                throw BeamError(path: path, reason: .invalidBeamFile(offset: headerOffset))
            }
            let id = String(decoding: idBytes, as: UTF8.self)
            let size = Int(size32)
            guard size <= reader.remaining else {
                throw BeamError(path: path, reason: .chunkTooBig(id: id, size: size, available: reader.remaining))
            }
            chunks.append(Chunk(id: id, offset: reader.offset, size: size))
            let padded = (size + 3) & ~3
            if !reader.skip(padded) { _ = reader.skip(reader.remaining) } // last chunk may lack its padding
        }
        self.chunks = chunks
    }

    /// The first chunk with `id`, as `beam_lib` takes it.
    public func chunk(_ id: String) -> Chunk? { chunks.first { $0.id == id } }

    /// The data of the first chunk with `id`.
    public func data(of id: String) -> ArraySlice<UInt8>? {
        chunk(id).map { bytes[$0.offset..<($0.offset + $0.size)] }
    }

    func requiredData(of id: String) throws(BeamError) -> ArraySlice<UInt8> {
        guard let data = data(of: id) else { throw BeamError(path: path, reason: .missingChunk(id: id)) }
        return data
    }

    func invalid(_ id: String, _ detail: String) -> BeamError {
        BeamError(path: path, reason: .invalidChunk(id: id, detail: detail))
    }

    /// The atom table (index 0 is atom 1, the module name), from `AtU8` or the older Latin-1 `Atom` chunk.
    public func atoms() throws(BeamError) -> [String] {
        try atomTable().names
    }

    /// The atom table's names, and where each name's bytes lie in `bytes`.
    func atomTable() throws(BeamError) -> (names: [String], ranges: [Range<Int>]) {
        let ranges = try atomRanges()
        try validateAtoms(ranges)
        let latin1 = chunk("AtU8") == nil
        return (ranges.map { atomName($0, latin1: latin1) }, ranges)
    }

    /// Checks that every atom of a UTF-8 table is valid UTF-8, as `beam_lib` (which makes atoms of them all) requires.
    /// ASCII atoms, nearly all, are checked by one byte scan.
    func validateAtoms(_ ranges: [Range<Int>]) throws(BeamError) {
        guard chunk("AtU8") != nil else { return }
        for (index, range) in ranges.enumerated() where !bytes[range].allSatisfy({ $0 < 0x80 }) {
            guard String(validating: bytes[range], as: UTF8.self) != nil else { throw invalid("AtU8", "atom \(index + 1) is not valid UTF-8") }
        }
    }

    /// One atom's name from its bytes (validated by `validateAtoms`); `latin1` for an old `Atom` table.
    func atomName(_ range: Range<Int>, latin1: Bool) -> String {
        latin1 ? String(latin1: bytes[range]) : String(decoding: bytes[range], as: UTF8.self)
    }

    /// Where each atom's bytes are (atom 1 first), without making strings of them. A Latin-1 `Atom` table's bytes
    /// are not UTF-8: callers comparing with UTF-8 text see a non-ASCII Latin-1 atom as different, which only
    /// pre-OTP 20 beams have.
    /// `limit` stops after that many atoms (the table's count is still checked against its size).
    func atomRanges(limit: Int = .max) throws(BeamError) -> [Range<Int>] {
        let id = chunk("AtU8") != nil ? "AtU8" : "Atom"
        guard let chunk = chunk(id) else { throw BeamError(path: path, reason: .missingChunk(id: id)) }
        var reader = ByteReader(bytes, offset: chunk.offset, end: chunk.offset + chunk.size)
        guard let rawCount = reader.readInteger(as: UInt32.self) else { throw invalid(id, "no atom count") }
        let compact = Int32(bitPattern: rawCount) < 0
        let count = compact ? Int(-Int64(Int32(bitPattern: rawCount))) : Int(rawCount)
        guard count <= reader.remaining else { throw invalid(id, "declares \(count) atoms in \(reader.remaining) bytes") }
        var ranges = [Range<Int>]()
        ranges.reserveCapacity(min(count, limit))
        for number in stride(from: 1, through: min(count, limit), by: 1) {
            guard let first = reader.readByte() else { throw invalid(id, "atom \(number) is cut short") }
            var length = Int(first)
            if compact {
                if first & 0x08 == 0 {
                    length = Int(first >> 4)
                } else if first & 0x10 == 0, let next = reader.readByte() {
                    length = (Int(first & 0xE0) << 3) | Int(next)
                } else {
                    throw invalid(id, "atom \(number) has a bad length encoding")
                }
            }
            let start = reader.offset
            guard reader.skip(length) else { throw invalid(id, "atom \(number) is cut short") }
            ranges.append(start..<(start + length))
        }
        return ranges
    }

    /// Each atom's position when the table is sorted in term order (index 0 is atom 1).
    ///
    /// UTF-8 byte order, and Latin-1 byte order within an `Atom` table, is code point order, which is
    /// how Erlang orders atoms; comparing the stored bytes avoids building and comparing strings.
    ///
    /// - Parameter only: rank only these atoms (0-based) among themselves; the others get 0. The sorts that use the
    ///   ranks compare only atoms of the export and import tables, often a fraction of the table.
    func atomRanks(_ ranges: [Range<Int>], only: [Int]? = nil) -> [Int] {
        bytes.withUnsafeBufferPointer { buffer in
            let order = (only ?? Array(ranges.indices)).sorted { left, right in
                let a = ranges[left], b = ranges[right]
                var i = a.lowerBound, j = b.lowerBound
                while i < a.upperBound && j < b.upperBound {
                    if buffer[i] != buffer[j] { return buffer[i] < buffer[j] }
                    i += 1
                    j += 1
                }
                return a.count < b.count
            }
            var ranks = [Int](repeating: 0, count: ranges.count)
            for (position, index) in order.enumerated() { ranks[index] = position }
            return ranks
        }
    }

    /// The module name: atom 1 of the atom table.
    /// Only that atom is decoded: comparing thousands of beams asks for their names, not their whole tables.
    public func moduleName() throws(BeamError) -> String {
        let first = try atomRanges(limit: 1)
        guard let range = first.first else { throw invalid(chunk("AtU8") != nil ? "AtU8" : "Atom", "the atom table is empty") }
        try validateAtoms(first)
        return atomName(range, latin1: chunk("AtU8") == nil)
    }
}
