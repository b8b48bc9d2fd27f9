import ErlangTerm

/// What a BEAM file says about its module, as `beam_lib:chunks/2` and `beam_lib:md5/1` report it.
public struct BeamModule: Sendable {
    /// A function named by name and arity, as in the export table.
    public struct Function: Sendable, Hashable {
        public var name: String
        public var arity: Int
        public var description: String { "\(TermWriter.atomText(name))/\(arity)" }
    }

    /// A function another module provides, as in the import table.
    public struct ImportedFunction: Sendable, Hashable {
        public var module: String
        public var name: String
        public var arity: Int
    }

    /// One attribute after `beam_lib`'s merge: all values of the same name joined, in source order.
    public struct Attribute: Sendable, Hashable {
        public var name: String
        public var value: Term
    }

    public var path: String
    public var name: String
    /// `beam_lib:md5/1`.
    public var md5: [UInt8]
    /// Sorted as `beam_lib:chunks(F, [exports])` returns them.
    public var exports: [Function]
    /// Sorted as `beam_lib:chunks(F, [imports])` returns them.
    public var imports: [ImportedFunction]
    /// Sorted by name and merged, as `beam_lib:chunks(F, [attributes])` returns them.
    public var attributes: [Attribute]
    /// As the `Attr` chunk stores them: source order, one entry per declaration, not merged.
    public var declaredAttributes: [Attribute]
    /// The `CInf` chunk's bytes, decoded by `compileInfo()` when asked for: no command but the oracle tests reads
    /// it, and decoding it for every module was a tenth of `inspect`'s work.
    private var compileInfoData: [UInt8]?

    /// The decoded `CInf` chunk (`beam_lib:chunks(F, [compile_info])`), or `nil` if the file has none.
    public func compileInfo() throws(BeamError) -> Term? {
        guard let compileInfoData else { return nil }
        do {
            return try ExternalTermFormat.decode(compileInfoData)
        } catch {
            throw BeamError(path: path, reason: .invalidChunk(id: "CInf", detail: error.description))
        }
    }

    /// Reads the module at `path`.
    public init(path: String) throws(BeamError) {
        try self.init(file: BeamFile(path: path))
    }

    /// - Parameter md5: `file.md5()` when the caller has it already (a comparison hashes both versions first).
    public init(file: BeamFile, md5 knownMD5: [UInt8]? = nil) throws(BeamError) {
        path = file.path
        // Atoms become strings only where used (the module's name, exports, imports): validated all at once, as
        // beam_lib makes atoms of them all, but most of a table is never shown.
        let atomRanges = try file.atomRanges()
        try file.validateAtoms(atomRanges)
        guard !atomRanges.isEmpty else { throw file.invalid("AtU8", "the atom table is empty") }
        let latin1 = file.chunk("AtU8") == nil
        var names = [String?](repeating: nil, count: atomRanges.count)
        func atomName(_ number: Int) -> String {
            if let known = names[number - 1] { return known }
            let made = file.atomName(atomRanges[number - 1], latin1: latin1)
            names[number - 1] = made
            return made
        }
        let atomCount = atomRanges.count
        name = atomName(1)
        if let knownMD5 { md5 = knownMD5 } else { md5 = try file.md5() }

        // beam_lib sorts exports and imports in term order, where atoms compare by code point.
        // Ranking the atoms those tables use, once, lets the sorts compare integers instead of strings.
        func checked(_ index: UInt32, _ chunkID: String) throws(BeamError) -> Int {
            guard index >= 1, Int(index) <= atomCount else {
                throw file.invalid(chunkID, "atom index \(index) is outside the atom table of \(atomCount)")
            }
            return Int(index)
        }
        var exportEntries = [(name: Int, arity: UInt32)]()
        for entry in try BeamModule.triples(file, "ExpT") {
            exportEntries.append((try checked(entry.0, "ExpT"), entry.1))
        }
        var importEntries = [(module: Int, name: Int, arity: UInt32)]()
        for entry in try BeamModule.triples(file, "ImpT") {
            importEntries.append((try checked(entry.0, "ImpT"), try checked(entry.1, "ImpT"), entry.2))
        }
        var used = [Bool](repeating: false, count: atomCount + 1)
        for entry in exportEntries { used[entry.name] = true }
        for entry in importEntries { used[entry.module] = true; used[entry.name] = true }
        let rank = [0] + file.atomRanks(atomRanges, only: (1...atomCount).filter { used[$0] }.map { $0 - 1 })  // indexed by atom number, which starts at 1

        exportEntries.sort { (rank[$0.name], $0.arity) < (rank[$1.name], $1.arity) }
        exports = exportEntries.map { Function(name: atomName($0.name), arity: Int($0.arity)) }

        importEntries.sort { (rank[$0.module], rank[$0.name], $0.arity) < (rank[$1.module], rank[$1.name], $1.arity) }
        imports = importEntries.map { ImportedFunction(module: atomName($0.module), name: atomName($0.name), arity: Int($0.arity)) }

        declaredAttributes = try BeamModule.declaredAttributes(file)
        attributes = try BeamModule.merge(declaredAttributes, file)
        compileInfoData = file.data(of: "CInf").map(Array.init)
    }

    /// The `vsn` attribute: `{vsn, [MD5Integer]}` unless the source sets `-vsn(...)`.
    public var version: Term? { attributes.first { $0.name == "vsn" }?.value }

    /// The behaviours the module declares, under either spelling, in source order.
    public var behaviours: [String] {
        declaredAttributes.filter { $0.name == "behaviour" || $0.name == "behavior" }
            .flatMap { $0.value.listElements ?? [] }
            .compactMap(\.atomValue)
    }

    /// True if the module exports `name/arity`.
    public func exports(_ name: String, arity: Int) -> Bool {
        exports.contains(Function(name: name, arity: arity))
    }

    /// The imports of functions of the `watched` modules only, and the module's name: atoms are compared as stored
    /// bytes, and only those needed become strings (a pass over every beam of a release reads thousands).
    /// - Parameter watchedBytes: the watched modules' names as UTF-8 bytes (made once by the caller).
    public static func imports(of file: BeamFile, fromModules watchedBytes: Set<[UInt8]>) throws(BeamError) -> (module: String, imports: [ImportedFunction]) {
        let ranges = try file.atomRanges()
        guard let first = ranges.first else { throw file.invalid("AtU8", "the atom table is empty") }
        func text(_ range: Range<Int>) -> String { String(decoding: file.bytes[range], as: UTF8.self) }
        var verdict = [UInt32: Bool]()
        var imports = [ImportedFunction]()
        for entry in try triples(file, "ImpT") {
            guard entry.0 >= 1, Int(entry.0) <= ranges.count, entry.1 >= 1, Int(entry.1) <= ranges.count else {
                throw file.invalid("ImpT", "an atom index is outside the atom table of \(ranges.count)")
            }
            let wanted: Bool
            if let known = verdict[entry.0] {
                wanted = known
            } else {
                wanted = watchedBytes.contains(Array(file.bytes[ranges[Int(entry.0) - 1]]))
                verdict[entry.0] = wanted
            }
            guard wanted else { continue }
            imports.append(ImportedFunction(module: text(ranges[Int(entry.0) - 1]), name: text(ranges[Int(entry.1) - 1]), arity: Int(entry.2)))
        }
        return (text(first), imports)
    }

    /// Entries of three 32-bit words after a 32-bit count (`ImpT`, `ExpT`, `LocT`).
    static func triples(_ file: BeamFile, _ id: String) throws(BeamError) -> [(UInt32, UInt32, UInt32)] {
        guard let data = file.data(of: id) else { throw BeamError(path: file.path, reason: .missingChunk(id: id)) }
        var reader = ByteReader(Array(data))
        guard let count = reader.readInteger(as: UInt32.self) else { throw file.invalid(id, "no entry count") }
        guard Int(count) <= reader.remaining / 12 else {
            throw file.invalid(id, "declares \(count) entries in \(reader.remaining) bytes")
        }
        var entries = [(UInt32, UInt32, UInt32)]()
        entries.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let a = reader.readInteger(as: UInt32.self), let b = reader.readInteger(as: UInt32.self),
                  let c = reader.readInteger(as: UInt32.self) else { throw file.invalid(id, "entry cut short") }
            entries.append((a, b, c))
        }
        return entries
    }

    /// The `Attr` chunk's `[{Name, Values}]` in stored order.
    static func declaredAttributes(_ file: BeamFile) throws(BeamError) -> [Attribute] {
        guard let data = file.data(of: "Attr") else { return [] }
        let term: Term
        do {
            term = try ExternalTermFormat.decode(Array(data))
        } catch {
            throw file.invalid("Attr", error.description)
        }
        guard let entries = term.listElements else { throw file.invalid("Attr", "expected a list of {Name, Values}") }
        var pairs = [Attribute]()
        for entry in entries {
            guard let tuple = entry.tupleElements, tuple.count == 2, let name = tuple[0].atomValue else {
                throw file.invalid("Attr", "expected {Name, Values}, found \(TermWriter.render(entry))")
            }
            pairs.append(Attribute(name: name, value: tuple[1]))
        }
        return pairs
    }

    /// `beam_lib:attributes/2`: keysort by name (stable), then append the values of equal names.
    static func merge(_ pairs: [Attribute], _ file: BeamFile) throws(BeamError) -> [Attribute] {
        let sorted = pairs.enumerated().sorted { lhs, rhs in
            let order = Term.compareText(lhs.element.name, rhs.element.name)
            return order != 0 ? order < 0 : lhs.offset < rhs.offset
        }.map(\.element)

        var merged = [Attribute]()
        var index = 0
        while index < sorted.count {
            let name = sorted[index].name
            var end = index
            while end < sorted.count && sorted[end].name == name { end += 1 }
            let group = sorted[index..<end].map(\.value)
            if group.count == 1 {
                merged.append(Attribute(name: name, value: group[0]))
            } else {
                // lists:append/1: every value but the last must be a proper list.
                var prefix = [Term]()
                for value in group.dropLast() {
                    guard let elements = value.listElements else {
                        throw file.invalid("Attr", "attribute \(name) has a value that is not a list")
                    }
                    prefix += elements
                }
                merged.append(Attribute(name: name, value: Term.list(prefix, tail: group[group.count - 1])))
            }
            index = end
        }
        return merged
    }
}
