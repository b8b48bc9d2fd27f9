import SystemSupport

/// Reads the External Term Format. Every declared count is checked against the bytes left before
/// anything is allocated, nesting is bounded, and every failure is an `ErlangTermError` with the offset.
struct ETFDecoder {
    typealias Tag = ExternalTermFormat.Tag

    /// Deeper nesting is refused, so that hostile input cannot overflow the stack. Release files nest a few
    /// dozen levels at most; a debug build on a 512 KiB task stack was measured to hold about 400.
    static let maximumDepth = 256
    /// The largest uncompressed size a compressed term may declare.
    static let maximumUncompressedSize = 256 << 20
    /// The most terms one decode builds (each costs memory beyond its bytes): a list of millions of `[]`s is a
    /// few megabytes of input and gigabytes of terms.
    static let maximumTerms = 8 << 20

    var reader: ByteReader
    var depth = 0
    private var termCount = 0
    /// Added to offsets in errors, for terms that were inflated from a compressed envelope.
    private let offsetBase: Int

    init(_ bytes: [UInt8], offset: Int = 0, offsetBase: Int = 0) {
        reader = ByteReader(bytes, offset: offset)
        self.offsetBase = offsetBase
    }

    static func decodeWhole(_ bytes: [UInt8]) throws(ErlangTermError) -> Term {
        var decoder = try opening(bytes)
        return try decoder.decodeTerm()
    }

    /// A decoder at the start of the term in `bytes` (after the version byte), inflated first if it is compressed.
    static func opening(_ bytes: [UInt8]) throws(ErlangTermError) -> ETFDecoder {
        var outer = ByteReader(bytes)
        guard let magic = outer.readByte() else { throw failure(0, "empty input; expected the version byte 131") }
        guard magic == ExternalTermFormat.versionMagic else {
            throw failure(0, "expected the version byte 131, found \(magic)", hint: "this is not term_to_binary output")
        }
        if outer.remaining > 0, bytes[1] == Tag.compressed {
            _ = outer.readByte()
            guard let size = outer.readInteger(as: UInt32.self) else { throw failure(2, "truncated compressed term header") }
            guard Int(size) <= maximumUncompressedSize else {
                throw failure(2, "compressed term declares \(size) bytes, more than the \(maximumUncompressedSize) allowed")
            }
            let inflated: [UInt8]
            do {
                inflated = try Zlib.inflate(Array(bytes[6...]), container: .zlib, limit: Int(size), sizeHint: Int(size))
            } catch {
                switch error {
                case .corrupt(let detail): throw failure(6, "corrupt compressed term: \(detail)")
                case .tooLarge: throw failure(6, "compressed term inflates to more than its declared \(size) bytes")
                }
            }
            guard inflated.count == Int(size) else {
                throw failure(6, "compressed term inflates to \(inflated.count) bytes, not the declared \(size)")
            }
            return ETFDecoder(inflated, offsetBase: 6)
        }
        // Like binary_to_term/1, bytes after the term are ignored.
        return ETFDecoder(bytes, offset: 1)
    }

    static func decodePrefix(_ bytes: [UInt8]) throws(ErlangTermError) -> (Term, Int) {
        guard bytes.first == ExternalTermFormat.versionMagic else { throw failure(0, "expected the version byte 131") }
        if bytes.count > 1, bytes[1] == Tag.compressed {
            // A compressed term runs to the end of its zlib stream; inside distribution messages OTP does not compress.
            throw failure(1, "a compressed term cannot be followed by another")
        }
        var decoder = ETFDecoder(bytes, offset: 1)
        let term = try decoder.decodeTerm()
        return (term, decoder.reader.offset)
    }

    private static func failure(_ offset: Int, _ message: String, hint: String? = nil) -> ErlangTermError {
        ErlangTermError(file: nil, location: .byte(offset), message: message, hint: hint)
    }

    func failure(_ message: String, at offset: Int? = nil) -> ErlangTermError {
        ETFDecoder.failure(offsetBase + (offset ?? reader.offset), message)
    }

    func truncated(_ what: String) -> ErlangTermError {
        failure("truncated \(what): input ends at byte \(offsetBase + reader.bytes.count)")
    }

    mutating func byte(_ what: String) throws(ErlangTermError) -> UInt8 {
        guard let value = reader.readByte() else { throw truncated(what) }
        return value
    }

    mutating func u16(_ what: String) throws(ErlangTermError) -> Int {
        guard let value = reader.readInteger(as: UInt16.self) else { throw truncated(what) }
        return Int(value)
    }

    mutating func u32(_ what: String) throws(ErlangTermError) -> UInt32 {
        guard let value = reader.readInteger(as: UInt32.self) else { throw truncated(what) }
        return value
    }

    mutating func bytes(_ count: Int, _ what: String) throws(ErlangTermError) -> ArraySlice<UInt8> {
        guard let value = reader.readBytes(count) else { throw truncated(what) }
        return value
    }

    /// Checks a declared element count against the bytes left: every element takes at least `minimumSize` bytes.
    func checkCount(_ count: Int, minimumSize: Int, _ what: String) throws(ErlangTermError) {
        guard count <= reader.remaining / minimumSize else {
            throw failure("\(what) declares \(count) elements but only \(reader.remaining) bytes remain")
        }
    }

    /// One level deeper into a term, refused beyond `maximumDepth` (the level is left again when refused); the
    /// caller leaves it with `depth -= 1` when its term is read. Decoding and skipping share it.
    mutating func enterNesting() throws(ErlangTermError) {
        depth += 1
        guard depth <= ETFDecoder.maximumDepth else {
            depth -= 1
            throw failure("terms are nested more than \(ETFDecoder.maximumDepth) deep")
        }
    }

    mutating func decodeTerm() throws(ErlangTermError) -> Term {
        termCount += 1
        guard termCount <= ETFDecoder.maximumTerms else { throw failure("more than \(ETFDecoder.maximumTerms) terms; Relswap decodes no larger term") }
        try enterNesting()
        defer { depth -= 1 }
        let tagOffset = reader.offset
        let tag = try byte("term tag")
        switch tag {
        case Tag.smallInteger:
            return .integer(Int(try byte("SMALL_INTEGER_EXT")))
        case Tag.integer:
            return .integer(Int(Int32(bitPattern: try u32("INTEGER_EXT"))))
        case Tag.newFloat:
            guard let bits = reader.readInteger(as: UInt64.self) else { throw truncated("NEW_FLOAT_EXT") }
            let value = Double(bitPattern: bits)
            guard value.isFinite else { throw failure("NEW_FLOAT_EXT holds a value that is not a finite float", at: tagOffset) }
            return .float(value)
        case Tag.float:
            let text = try bytes(31, "FLOAT_EXT")
            let digits = String(decoding: text.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: " ")
            guard let value = Double(digits), value.isFinite else { throw failure("FLOAT_EXT holds no valid float", at: tagOffset) }
            return .float(value)
        case Tag.atom, Tag.smallAtom, Tag.atomUTF8, Tag.smallAtomUTF8:
            return .atom(try atomBody(tag: tag, at: tagOffset))
        case Tag.smallTuple, Tag.largeTuple:
            let arity = tag == Tag.smallTuple ? Int(try byte("SMALL_TUPLE_EXT arity")) : Int(try u32("LARGE_TUPLE_EXT arity"))
            try checkCount(arity, minimumSize: 1, "tuple")
            var elements = [Term]()
            elements.reserveCapacity(min(arity, 1 << 12))
            for _ in 0..<arity { elements.append(try decodeTerm()) }
            return .tuple(elements)
        case Tag.nil:
            return .list([])
        case Tag.string:
            let length = try u16("STRING_EXT length")
            let codes = try bytes(length, "STRING_EXT")
            if codes.isEmpty { return .list([]) }
            return .string(String(latin1: codes))
        case Tag.list:
            let count = Int(try u32("LIST_EXT length"))
            try checkCount(count, minimumSize: 1, "LIST_EXT")
            var elements = [Term]()
            elements.reserveCapacity(min(count, 1 << 12))
            for _ in 0..<count { elements.append(try decodeTerm()) }
            let tail = try decodeTerm()
            return Term.list(elements, tail: tail)
        case Tag.binary:
            let length = Int(try u32("BINARY_EXT length"))
            return .binary(Array(try bytes(length, "BINARY_EXT")))
        case Tag.bitBinary:
            let length = Int(try u32("BIT_BINARY_EXT length"))
            let bits = Int(try byte("BIT_BINARY_EXT bits"))
            var data = Array(try bytes(length, "BIT_BINARY_EXT"))
            guard (1...8).contains(bits), length > 0 else {
                throw failure("BIT_BINARY_EXT has \(bits) bits in the last of \(length) bytes", at: tagOffset)
            }
            if bits == 8 { return .binary(data) }
            data[data.count - 1] &= UInt8(0xFF) << UInt8(8 - bits)
            return .bitstring(data, trailingBits: bits)
        case Tag.smallBig, Tag.largeBig:
            let count = tag == Tag.smallBig ? Int(try byte("SMALL_BIG_EXT length")) : Int(try u32("LARGE_BIG_EXT length"))
            // As in erts, any non-zero sign byte means negative.
            let sign = try byte("big integer sign")
            let magnitude = try bytes(count, "big integer digits")
            return Term.integer(BigInteger(isNegative: sign != 0, littleEndianBytes: magnitude))
        case Tag.map:
            let count = Int(try u32("MAP_EXT size"))
            try checkCount(count, minimumSize: 2, "MAP_EXT")
            var entries = [MapEntry]()
            entries.reserveCapacity(min(count, 1 << 12))
            for _ in 0..<count {
                let key = try decodeTerm()
                let value = try decodeTerm()
                entries.append(MapEntry(key: key, value: value))
            }
            let map = Term.sortedMap(entries)
            if case .map(let unique) = map, unique.count != entries.count {
                throw failure("MAP_EXT has a duplicate key", at: tagOffset)
            }
            return map
        case Tag.pid, Tag.newPid:
            let node = try nodeAtom()
            let id = try u32("pid id")
            let serial = try u32("pid serial")
            let creation = tag == Tag.pid ? UInt32(try byte("pid creation")) : try u32("pid creation")
            return .pid(Pid(node: node, id: id, serial: serial, creation: creation))
        case Tag.port, Tag.newPort, Tag.v4Port:
            let node = try nodeAtom()
            let id: UInt64
            if tag == Tag.v4Port {
                guard let wide = reader.readInteger(as: UInt64.self) else { throw truncated("V4_PORT_EXT id") }
                id = wide
            } else {
                id = UInt64(try u32("port id"))
            }
            let creation = tag == Tag.port ? UInt32(try byte("port creation")) : try u32("port creation")
            return .port(Port(node: node, id: id, creation: creation))
        case Tag.reference:
            let node = try nodeAtom()
            let id = try u32("reference id")
            let creation = UInt32(try byte("reference creation"))
            return .reference(Reference(node: node, creation: creation, ids: [id]))
        case Tag.newReference, Tag.newerReference:
            let count = try u16("reference length")
            let node = try nodeAtom()
            let creation = tag == Tag.newReference ? UInt32(try byte("reference creation")) : try u32("reference creation")
            guard (1...5).contains(count) else { throw failure("reference has \(count) id words; OTP uses 1 to 5", at: tagOffset) }
            var ids = [UInt32]()
            for _ in 0..<count { ids.append(try u32("reference id")) }
            return .reference(Reference(node: node, creation: creation, ids: ids))
        case Tag.export:
            let module = try atomTerm("export module")
            let function = try atomTerm("export function")
            guard case .integer(let arity) = try decodeTerm(), (0...255).contains(arity) else {
                throw failure("EXPORT_EXT arity is not an integer from 0 to 255", at: tagOffset)
            }
            return .export(module: module, function: function, arity: arity)
        case Tag.newFun:
            let start = reader.offset
            let size = Int(try u32("NEW_FUN_EXT size"))
            let arity = try byte("NEW_FUN_EXT arity")
            let uniq = Array(try bytes(16, "NEW_FUN_EXT uniq"))
            let index = try u32("NEW_FUN_EXT index")
            let freeCount = Int(try u32("NEW_FUN_EXT free variable count"))
            let module = try atomTerm("fun module")
            let oldIndex = try decodeTerm()
            let oldUniq = try decodeTerm()
            let pid = try decodeTerm()
            try checkCount(freeCount, minimumSize: 1, "NEW_FUN_EXT")
            var free = [Term]()
            for _ in 0..<freeCount { free.append(try decodeTerm()) }
            guard reader.offset - start == size else {
                throw failure("NEW_FUN_EXT declares \(size) bytes but holds \(reader.offset - start)", at: tagOffset)
            }
            return .fun(Fun(arity: arity, uniq: uniq, index: index, module: module, oldIndex: oldIndex,
                            oldUniq: oldUniq, pid: pid, freeVariables: free))
        case Tag.compressed:
            throw failure("a compressed term (tag 80) may only stand at the top level", at: tagOffset)
        case Tag.atomCacheReference:
            throw failure("ATOM_CACHE_REF (tag 82) is only valid inside a distribution message", at: tagOffset)
        case Tag.local:
            throw failure("LOCAL_EXT (tag 121) is private to the node that encoded it", at: tagOffset)
        case Tag.fun:
            throw failure("FUN_EXT (tag 117) is the pre-R16 fun encoding, which OTP no longer reads", at: tagOffset)
        default:
            throw failure("unknown term tag \(tag)", at: tagOffset)
        }
    }

    mutating func atomBody(tag: UInt8, at tagOffset: Int) throws(ErlangTermError) -> String {
        let length = (tag == Tag.smallAtom || tag == Tag.smallAtomUTF8) ? Int(try byte("atom length")) : try u16("atom length")
        let text = try bytes(length, "atom")
        // Most atoms are ASCII, which is the same text in Latin-1 and UTF-8, at most 255 characters by the length
        // check alone: no scalar-by-scalar decoding or count (abstract code is mostly atoms; this was its hot spot).
        if length <= 255, text.allSatisfy({ $0 < 0x80 }) { return String(decoding: text, as: UTF8.self) }
        let name: String
        if tag == Tag.atom || tag == Tag.smallAtom {
            name = String(latin1: text)
        } else {
            guard let decoded = String(validating: text, as: UTF8.self) else { throw failure("atom is not valid UTF-8", at: tagOffset) }
            name = decoded
        }
        guard name.unicodeScalars.count <= 255 else { throw failure("atom has more than 255 characters", at: tagOffset) }
        return name
    }

    private mutating func atomTerm(_ what: String) throws(ErlangTermError) -> String {
        let tagOffset = reader.offset
        let tag = try byte(what)
        guard [Tag.atom, Tag.smallAtom, Tag.atomUTF8, Tag.smallAtomUTF8].contains(tag) else {
            throw failure("expected an atom for the \(what), found tag \(tag)", at: tagOffset)
        }
        return try atomBody(tag: tag, at: tagOffset)
    }

    private mutating func nodeAtom() throws(ErlangTermError) -> String { try atomTerm("node name") }
}

private extension String {
    func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text.removeFirst() }
        while text.last == set { text.removeLast() }
        return String(text)
    }
}
