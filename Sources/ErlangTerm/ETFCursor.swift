extension ExternalTermFormat {
    /// Reads a term in the External Term Format piece by piece: container headers, atoms, whole subterms, and
    /// subterms skipped without building them. A reader that needs a few parts of a large term (the functions it
    /// wants out of a module's abstract code) decodes only those; skipping walks the bytes with the same checks
    /// as decoding (counts against the bytes left, nesting depth), so bad input is still an error with its offset.
    ///
    /// Hand-written beside `decode` for the same reason as the decoder: no maintained Swift library reads the format.
    public struct Cursor {
        typealias Tag = ExternalTermFormat.Tag
        private var decoder: ETFDecoder

        /// A cursor at the start of the term in `bytes`, which begins with the version byte; a compressed term
        /// (tag 80) is inflated first.
        public init(_ bytes: [UInt8]) throws(ErlangTermError) {
            decoder = try ETFDecoder.opening(bytes)
        }

        /// Where the cursor is; `rewind(to:)` goes back there, to decode what a look ahead found wanted.
        public var mark: Int { decoder.reader.position }

        public mutating func rewind(to mark: Int) { decoder.reader.position = mark }

        /// The next tag, not consumed.
        private func peekTag() throws(ErlangTermError) -> UInt8 {
            guard decoder.reader.remaining > 0 else { throw decoder.truncated("term tag") }
            return decoder.reader.bytes[decoder.reader.position]
        }

        /// Reads a tuple's header: its arity, or nil (nothing consumed) when the next term is not a tuple.
        public mutating func tupleHeader() throws(ErlangTermError) -> Int? {
            switch try peekTag() {
            case Tag.smallTuple:
                _ = try decoder.byte("tag")
                return Int(try decoder.byte("SMALL_TUPLE_EXT arity"))
            case Tag.largeTuple:
                _ = try decoder.byte("tag")
                let arity = Int(try decoder.u32("LARGE_TUPLE_EXT arity"))
                try decoder.checkCount(arity, minimumSize: 1, "tuple")
                return arity
            default:
                return nil
            }
        }

        /// Reads a list's header: its length (the elements follow, then the tail, a term of its own), or nil
        /// (nothing consumed) when the next term is not a `LIST_EXT` or `[]`. A `[]` reads as length 0 with no tail.
        public mutating func listHeader() throws(ErlangTermError) -> (count: Int, hasTail: Bool)? {
            switch try peekTag() {
            case Tag.nil:
                _ = try decoder.byte("tag")
                return (0, false)
            case Tag.list:
                _ = try decoder.byte("tag")
                let count = Int(try decoder.u32("LIST_EXT length"))
                try decoder.checkCount(count, minimumSize: 1, "LIST_EXT")
                return (count, true)
            default:
                return nil
            }
        }

        /// Reads a map's header: its number of pairs (each key then value follows), or nil (nothing consumed).
        public mutating func mapHeader() throws(ErlangTermError) -> Int? {
            guard try peekTag() == Tag.map else { return nil }
            _ = try decoder.byte("tag")
            let count = Int(try decoder.u32("MAP_EXT size"))
            try decoder.checkCount(count, minimumSize: 2, "MAP_EXT")
            return count
        }

        /// Reads an atom, or nil (nothing consumed) when the next term is not one.
        public mutating func atom() throws(ErlangTermError) -> String? {
            let tag = try peekTag()
            guard [Tag.atom, Tag.smallAtom, Tag.atomUTF8, Tag.smallAtomUTF8].contains(tag) else { return nil }
            let offset = decoder.reader.position
            _ = try decoder.byte("tag")
            return try decoder.atomBody(tag: tag, at: offset)
        }

        /// Decodes the next term whole.
        public mutating func term() throws(ErlangTermError) -> Term {
            try decoder.decodeTerm()
        }

        /// Passes over the next term without building it.
        public mutating func skip() throws(ErlangTermError) {
            try decoder.skipTerm()
        }
    }
}

extension ETFDecoder {
    /// Walks over one term as `decodeTerm` would read it, building nothing for the common tags (atoms, integers,
    /// tuples, lists, strings, binaries, maps); the rare ones are decoded and dropped.
    mutating func skipTerm() throws(ErlangTermError) {
        let tagOffset = reader.offset
        if try !skipCommonTerm() {
            reader.position = tagOffset
            _ = try decodeTerm()
        }
    }

    /// Skips a term of a common tag; false, with only the tag read, for any other.
    private mutating func skipCommonTerm() throws(ErlangTermError) -> Bool {
        try enterNesting()
        defer { depth -= 1 }
        let tag = try byte("term tag")
        switch tag {
        case Tag.smallInteger:
            _ = try byte("SMALL_INTEGER_EXT")
        case Tag.integer:
            _ = try u32("INTEGER_EXT")
        case Tag.atom, Tag.atomUTF8:
            _ = try bytes(try u16("atom length"), "atom")
        case Tag.smallAtom, Tag.smallAtomUTF8:
            _ = try bytes(Int(try byte("atom length")), "atom")
        case Tag.smallTuple, Tag.largeTuple:
            let arity = tag == Tag.smallTuple ? Int(try byte("SMALL_TUPLE_EXT arity")) : Int(try u32("LARGE_TUPLE_EXT arity"))
            try checkCount(arity, minimumSize: 1, "tuple")
            for _ in 0..<arity { try skipTerm() }
        case Tag.nil:
            break
        case Tag.string:
            _ = try bytes(try u16("STRING_EXT length"), "STRING_EXT")
        case Tag.list:
            let count = Int(try u32("LIST_EXT length"))
            try checkCount(count, minimumSize: 1, "LIST_EXT")
            for _ in 0...count { try skipTerm() }  // the elements, then the tail
        case Tag.binary:
            _ = try bytes(Int(try u32("BINARY_EXT length")), "BINARY_EXT")
        case Tag.smallBig:
            let count = Int(try byte("SMALL_BIG_EXT length"))
            _ = try bytes(count + 1, "big integer")
        case Tag.largeBig:
            let count = Int(try u32("LARGE_BIG_EXT length"))
            _ = try bytes(count + 1, "big integer")
        case Tag.map:
            let count = Int(try u32("MAP_EXT size"))
            try checkCount(count, minimumSize: 2, "MAP_EXT")
            for _ in 0..<(2 * count) { try skipTerm() }
        default:
            return false
        }
        return true
    }
}
