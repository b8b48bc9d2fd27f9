import Crypto

extension BeamFile {
    /// Chunks whose data `beam_lib:md5/1` hashes, in the order it hashes them (not file order).
    /// `Meta` counts from OTP 25 on; older files do not have it.
    public static let md5ChunkIDs = ["Atom", "AtU8", "Code", "StrT", "ImpT", "ExpT", "FunT", "LitT", "Meta"]
    /// Chunks every loadable BEAM file has.
    public static let mandatoryChunkIDs = ["Code", "ExpT", "ImpT", "StrT"]

    /// The module's MD5 exactly as `beam_lib:md5/1` computes it: the data of the chunks in `md5ChunkIDs`
    /// that are present, `LitT` as stored (still compressed), and `FunT` with the `OldUniq` word of each
    /// 24-byte entry zeroed. Debug info, line numbers, attributes and compile options do not count.
    /// - Throws: `BeamError.missingChunk` if a mandatory chunk or the atom table is absent.
    public func md5() throws(BeamError) -> [UInt8] {
        if chunk("AtU8") == nil && chunk("Atom") == nil { throw BeamError(path: path, reason: .missingChunk(id: "Atom")) }
        for id in BeamFile.mandatoryChunkIDs where chunk(id) == nil {
            throw BeamError(path: path, reason: .missingChunk(id: id))
        }
        var hasher = Insecure.MD5()
        for id in BeamFile.md5ChunkIDs {
            guard let data = data(of: id) else { continue }
            if id == "FunT" {
                hasher.update(data: BeamFile.filterFunTable(data))
            } else {
                data.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            }
        }
        return Array(hasher.finalize())
    }

    /// `beam_lib:filter_funtab/1`: keep the count and zero bytes 20...23 of each 24-byte entry.
    static func filterFunTable(_ data: ArraySlice<UInt8>) -> [UInt8] {
        var filtered = Array(data)
        guard filtered.count >= 4 else { return filtered }
        var entry = 4
        while entry + 24 <= filtered.count {
            for index in (entry + 20)..<(entry + 24) { filtered[index] = 0 }
            entry += 24
        }
        return filtered
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hex, as `binary:encode_hex(MD5, lowercase)` prints it.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(count * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
