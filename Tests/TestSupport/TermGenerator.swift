import ErlangTerm

/// SplitMix64: a small, fast generator whose sequence is fixed by its seed, so every run tests the same terms.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates terms for property tests: deep nesting, Unicode atoms and strings, big integers,
/// floats of every magnitude, empty and improper lists, maps (of at most 32 keys), binaries and bitstrings.
public struct TermGenerator {
    public var random: SeededRandom
    public var maximumDepth: Int

    public init(seed: UInt64, maximumDepth: Int = 6) {
        random = SeededRandom(seed: seed)
        self.maximumDepth = maximumDepth
    }

    static let atomPool: [String] = [
        "ok", "error", "", "hello world", "Capital", "_under", "with'quote", "back\\slash", "tab\there", "new\nline",
        "ünïcödé", "αβγ", "日本語", "emoji😀", "end", "fun", "maybe", "else", "after", "when", "a@b", "a.b", "123",
        "node@host", "\u{01}", "\u{7F}", "\u{9F}", "ß", "ÿ", "×", "÷", "a×b", "true", "false", "undefined", "'", "\"",
        String(repeating: "x", count: 255), String(repeating: "α", count: 255), String(repeating: "😀", count: 255),
    ]

    static let characterPool: [UInt32] = Array(32...126) + [0, 1, 7, 8, 9, 10, 11, 12, 13, 27, 31, 127, 128, 159, 160, 173, 233, 255,
        256, 0x3B1, 0x65E5, 0xD7FF, 0xE000, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    public mutating func atom() -> Term {
        if chance(60) { return .atom(pick(TermGenerator.atomPool)) }
        let length = int(0...12)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length {
            let code = chance(70) ? UInt32(int(97...122)) : pick(TermGenerator.characterPool)
            // U+FFFE and U+FFFF may be in an atom, but Erlang has no text that writes such an atom.
            if code != 0xFFFE, code != 0xFFFF, let scalar = Unicode.Scalar(code) { scalars.append(scalar) }
        }
        return .atom(String(scalars))
    }

    public mutating func integer() -> Term {
        switch int(0...9) {
        case 0: return .integer(pick([0, 1, 255, 256, -1, -256, Int(Int32.max), Int(Int32.min), Int(Int32.max) + 1,
                                      Int(Int32.min) - 1, Int.max, Int.min, Int.max - 1]))
        case 1, 2:
            var limbs = [UInt32]()
            for _ in 0..<int(1...40) { limbs.append(UInt32.random(in: 0...UInt32.max, using: &random)) }
            return Term.integer(BigInteger(isNegative: chance(50), limbs: limbs))
        case 3: return .integer(Int.random(in: Int.min...Int.max, using: &random))
        default: return .integer(int(-100_000...100_000))
        }
    }

    public mutating func float() -> Term {
        if chance(30) {
            return .float(pick([0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1e300, -1e-300, Double.leastNonzeroMagnitude, 2.2250738585072014e-308,
                                1.7976931348623157e308, 123456789.0, 1e15, 1e16, 1e17, 3.14159]))
        }
        while true {
            let value = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &random))
            if value.isFinite { return .float(value) }
        }
    }

    public mutating func codes(_ maximumLength: Int) -> [UInt32] {
        (0..<int(1...maximumLength)).map { _ in chance(75) ? UInt32(int(32...126)) : pick(TermGenerator.characterPool) }
    }

    public mutating func string() -> Term {
        let codes = codes(30)
        if chance(30) { return .list(codes.map { .integer(Int($0)) }) } // the same term, built element by element
        var scalars = String.UnicodeScalarView()
        for code in codes { scalars.append(Unicode.Scalar(code)!) }
        return .string(String(scalars))
    }

    public mutating func binary() -> Term {
        switch int(0...3) {
        case 0: return .binary((0..<int(0...40)).map { _ in UInt8.random(in: 0...255, using: &random) })
        case 1: return .binary(Array("printable text \(int(0...999))".utf8))
        case 2: return .binary(Array("ünïcödé αβγ 😀".utf8))
        default:
            var bytes = (0..<int(1...6)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let trailing = int(1...7)
            bytes[bytes.count - 1] &= UInt8(0xFF) << UInt8(8 - trailing)
            return .bitstring(bytes, trailingBits: trailing)
        }
    }

    public mutating func term(depth: Int = 0) -> Term {
        let leafOnly = depth >= maximumDepth
        switch int(0...(leafOnly ? 6 : 12)) {
        case 0: return atom()
        case 1: return integer()
        case 2: return float()
        case 3: return string()
        case 4: return binary()
        case 5: return .list([])
        case 6: return pick([.atom("a"), .integer(1), .text(""), .tuple([])])
        case 7, 8: return .list((0..<int(1...6)).map { _ in term(depth: depth + 1) })
        case 9:
            let elements = (0..<int(1...4)).map { _ in term(depth: depth + 1) }
            var tail = term(depth: depth + 1)
            if tail.isList { tail = atom() }
            return .improperList(elements, tail: tail)
        case 10, 11: return .tuple((0..<int(0...6)).map { _ in term(depth: depth + 1) })
        default:
            let entries = (0..<int(0...6)).map { _ in MapEntry(key: term(depth: depth + 2), value: term(depth: depth + 1)) }
            return Term.sortedMap(entries)
        }
    }

    /// A chain of nested tuples and lists `depth` deep around a leaf.
    public mutating func deep(_ depth: Int) -> Term {
        var result = atom()
        for level in 0..<depth {
            switch level % 4 {
            case 0: result = .tuple([result, integer()])
            case 1: result = .list([result])
            case 2: result = .improperList([result], tail: .atom("t"))
            default: result = Term.sortedMap([MapEntry(key: .integer(level), value: result)])
            }
        }
        return result
    }
}
