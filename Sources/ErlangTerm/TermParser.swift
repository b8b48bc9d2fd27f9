// A recursive-descent parser for the term syntax `file:consult/1` accepts, producing `Term`s
// equal to what erl_parse:parse_term/1 and erl_parse:normalise/1 give.

struct TermParser {
    /// Deeper nesting is refused, so that hostile input cannot overflow the stack. Release files nest a few
    /// dozen levels at most; a debug build on a 512 KiB task stack was measured to hold about 400.
    static let maximumDepth = 256

    private var scanner: TermScanner
    private var current: Token
    private var depth = 0

    init(_ text: [Unicode.Scalar], dialect: TermDialect = .otp25) throws(ErlangTermError) {
        scanner = TermScanner(text, dialect: dialect)
        current = try scanner.nextToken()
    }

    private func error(_ message: String, at token: Token? = nil, hint: String? = nil) -> ErlangTermError {
        let token = token ?? current
        return ErlangTermError(file: nil, location: .text(line: token.line, column: token.column), message: message, hint: hint)
    }

    private mutating func advance() throws(ErlangTermError) { current = try scanner.nextToken() }

    private func isPunctuation(_ text: String) -> Bool { current.kind == .punctuation(text) }

    private mutating func expect(_ text: String, _ context: String) throws(ErlangTermError) {
        guard isPunctuation(text) else { throw error("expected '\(text)' \(context), found \(describe(current))") }
        try advance()
    }

    func describe(_ token: Token) -> String {
        switch token.kind {
        case .atom(let name): return "atom \(TermWriter.atomText(name))"
        case .reservedWord(let word): return "reserved word '\(word)'"
        case .variable(let name): return "variable \(name)"
        case .string: return "a string"
        case .character: return "a character literal"
        case .integer(let value): return "integer \(value)"
        case .float(let value): return "float \(value)"
        case .punctuation(let text): return "'\(text)'"
        case .dot: return "'.'"
        case .endOfInput: return "end of input"
        }
    }

    /// Reads every term, each ended by `.`, until the end of input.
    mutating func parseAll() throws(ErlangTermError) -> [Term] {
        var terms = [Term]()
        while current.kind != .endOfInput {
            terms.append(try parseTerm())
            guard current.kind == .dot else {
                throw error("expected '.' after the term, found \(describe(current))",
                            hint: "each term in the file ends with a full stop followed by white space")
            }
            try advance()
        }
        return terms
    }

    mutating func parseTerm() throws(ErlangTermError) -> Term {
        depth += 1
        defer { depth -= 1 }
        guard depth <= TermParser.maximumDepth else {
            throw error("terms are nested more than \(TermParser.maximumDepth) deep")
        }
        let token = current
        switch token.kind {
        case .atom(let name):
            try advance()
            return .atom(name)
        case .integer(let value):
            try advance()
            return .integer(value)
        case .float(let value):
            try advance()
            return .float(value)
        case .character(let code):
            try advance()
            return .integer(Int(code))
        case .string:
            return try stringFromCodes(parseAdjacentStrings())
        case .punctuation("-"), .punctuation("+"):
            let negative = token.kind == .punctuation("-")
            try advance()
            // erl_parse:normalise/1 negates a literal number only, which may sit in parentheses: -(1).
            var parentheses = 0
            while isPunctuation("(") {
                parentheses += 1
                try advance()
            }
            defer { parentheses = 0 }
            func closeParentheses(_ parser: inout TermParser) throws(ErlangTermError) {
                for _ in 0..<parentheses { try parser.expect(")", "after a parenthesised number") }
            }
            switch current.kind {
            case .integer(let value):
                try advance()
                try closeParentheses(&self)
                return .integer(negative ? value.negated : value)
            case .character(let code):
                try advance()
                try closeParentheses(&self)
                return .integer(negative ? -Int(code) : Int(code))
            case .float(let value):
                try advance()
                try closeParentheses(&self)
                return .float(negative ? -value : value)
            default:
                throw error("expected a number after '\(negative ? "-" : "+")', found \(describe(current))",
                            hint: "only numbers can be negated in a term file")
            }
        case .punctuation("("):
            // erl_parse allows a parenthesised term, e.g. `<<(-1)>>`.
            try advance()
            let inner = try parseTerm()
            try expect(")", "after a parenthesised term")
            return inner
        case .punctuation("{"):
            try advance()
            let elements = try parseSequence(closing: "}", context: "a tuple element")
            return .tuple(elements)
        case .punctuation("["):
            return try parseList()
        case .punctuation("#"):
            try advance()
            guard isPunctuation("{") else {
                throw error("expected '{' after '#', found \(describe(current))", hint: "records are not allowed in a term file; write a tuple")
            }
            try advance()
            return try parseMap()
        case .punctuation("<<"):
            try advance()
            return try parseBinary()
        case .reservedWord("fun"):
            return try parseExternalFun()
        case .reservedWord(let word):
            throw error("reserved word '\(word)' cannot stand for an atom", hint: "quote it: '\(word)'")
        case .variable(let name):
            throw error("variable \(name) is not allowed in a term", hint: "a term file holds values only; quote it to make an atom: '\(name)'")
        default:
            throw error("expected a term, found \(describe(token))")
        }
    }

    private mutating func parseAdjacentStrings() throws(ErlangTermError) -> [UInt32] {
        var codes = [UInt32]()
        while case .string(let part) = current.kind {
            codes += part
            try advance()
        }
        return codes
    }

    private func stringFromCodes(_ codes: [UInt32]) -> Term {
        if codes.isEmpty { return .list([]) }
        var scalars = String.UnicodeScalarView()
        for code in codes {
            guard let scalar = Unicode.Scalar(code) else { return .list(codes.map { .integer(Int($0)) }) }
            scalars.append(scalar)
        }
        return .string(String(scalars))
    }

    /// Elements separated by commas up to `closing`; the opening bracket has been consumed.
    private mutating func parseSequence(closing: String, context: String) throws(ErlangTermError) -> [Term] {
        var elements = [Term]()
        if isPunctuation(closing) {
            try advance()
            return elements
        }
        while true {
            elements.append(try parseTerm())
            if isPunctuation(",") {
                try advance()
                continue
            }
            try expect(closing, "or ',' after \(context)")
            return elements
        }
    }

    private mutating func parseList() throws(ErlangTermError) -> Term {
        try advance() // [
        var elements = [Term]()
        if isPunctuation("]") {
            try advance()
            return .list([])
        }
        while true {
            elements.append(try parseTerm())
            if isPunctuation(",") {
                try advance()
            } else if isPunctuation("|") {
                try advance()
                let tail = try parseTerm()
                try expect("]", "after the tail of a list")
                return .list(elements, tail: tail)
            } else {
                try expect("]", "or ',' or '|' after a list element")
                return .list(elements)
            }
        }
    }

    private mutating func parseMap() throws(ErlangTermError) -> Term {
        var entries = [MapEntry]()
        if isPunctuation("}") {
            try advance()
            return .map([])
        }
        while true {
            let key = try parseTerm()
            if isPunctuation(":=") {
                throw error("':=' updates a map; a map literal uses '=>'", hint: "write \(TermWriter.render(key)) => Value")
            }
            try expect("=>", "after a map key")
            let value = try parseTerm()
            entries.append(MapEntry(key: key, value: value))
            if isPunctuation(",") {
                try advance()
                continue
            }
            try expect("}", "or ',' after a map entry")
            return Term.sortedMap(entries)
        }
    }

    private mutating func parseExternalFun() throws(ErlangTermError) -> Term {
        try advance() // fun
        guard case .atom(let module) = current.kind else { throw error("expected a module name after 'fun'") }
        try advance()
        try expect(":", "after the module of an external fun")
        guard case .atom(let function) = current.kind else { throw error("expected a function name after ':'") }
        try advance()
        try expect("/", "after the function name of an external fun")
        guard case .integer(let arityValue) = current.kind, let arity = arityValue.intValue, (0...255).contains(arity) else {
            throw error("expected an arity from 0 to 255")
        }
        try advance()
        return .export(module: module, function: function, arity: arity)
    }

    // MARK: Binaries

    private mutating func parseBinary() throws(ErlangTermError) -> Term {
        var builder = BitBuilder()
        if isPunctuation(">>") {
            try advance()
            return .binary([])
        }
        while true {
            try parseSegment(into: &builder)
            if isPunctuation(",") {
                try advance()
                continue
            }
            try expect(">>", "or ',' after a binary segment")
            return builder.term
        }
    }

    private enum SegmentType: Equatable { case integer, float, binary, utf8, utf16, utf32 }

    /// A segment's type specifiers after `erl_bits:set_bit_type/2`'s merge: each field may be given
    /// once, or repeated with the same value; a conflict is an error.
    private struct SegmentSpecifiers {
        var type: SegmentType?
        var unit: Int?
        var signed: Bool?
        var littleEndian: Bool?

        static func merge<T: Equatable>(_ current: inout T?, _ new: T) -> Bool {
            if let existing = current, existing != new { return false }
            current = new
            return true
        }
    }

    private mutating func parseSegment(into builder: inout BitBuilder) throws(ErlangTermError) {
        let start = current
        enum Value { case integer(BigInteger), float(Double), codes([UInt32]), bits(Term) }
        var value: Value
        switch current.kind {
        case .string:
            value = .codes(try parseAdjacentStrings())
        case .punctuation("<<"):
            try advance()
            depth += 1
            defer { depth -= 1 }
            guard depth <= TermParser.maximumDepth else { throw error("terms are nested more than \(TermParser.maximumDepth) deep") }
            value = .bits(try parseBinary())
        default:
            switch try parseTerm() {
            case .integer(let small): value = .integer(BigInteger(small))
            case .bigInteger(let big): value = .integer(big)
            case .float(let double): value = .float(double)
            case .binary(let bytes): value = .bits(.binary(bytes))
            case .bitstring(let bytes, let trailing): value = .bits(.bitstring(bytes, trailingBits: trailing))
            default: throw error("a binary segment must be a number, a character, a string or a binary", at: start)
            }
        }
        var size: Int? = nil
        if isPunctuation(":") {
            try advance()
            guard case .integer(let sizeValue) = current.kind, let parsed = sizeValue.intValue, parsed >= 0 else {
                throw error("expected a non-negative integer size after ':'")
            }
            size = parsed
            try advance()
        }
        var specifiers = SegmentSpecifiers()
        if isPunctuation("/") {
            repeat {
                try advance()
                let specifierToken = current
                guard case .atom(let name) = current.kind else { throw error("expected a type specifier after '/' or '-'") }
                try advance()
                var merged = true
                switch name {
                case "integer": merged = SegmentSpecifiers.merge(&specifiers.type, .integer)
                case "float": merged = SegmentSpecifiers.merge(&specifiers.type, .float)
                case "binary": merged = SegmentSpecifiers.merge(&specifiers.type, .binary)
                case "bytes": merged = SegmentSpecifiers.merge(&specifiers.type, .binary) && SegmentSpecifiers.merge(&specifiers.unit, 8)
                case "bitstring", "bits": merged = SegmentSpecifiers.merge(&specifiers.type, .binary) && SegmentSpecifiers.merge(&specifiers.unit, 1)
                case "utf8": merged = SegmentSpecifiers.merge(&specifiers.type, .utf8)
                case "utf16": merged = SegmentSpecifiers.merge(&specifiers.type, .utf16)
                case "utf32": merged = SegmentSpecifiers.merge(&specifiers.type, .utf32)
                case "signed": merged = SegmentSpecifiers.merge(&specifiers.signed, true)
                case "unsigned": merged = SegmentSpecifiers.merge(&specifiers.signed, false)
                case "big": merged = SegmentSpecifiers.merge(&specifiers.littleEndian, false)
                // `native` is little-endian on every machine Relswap runs on.
                case "little", "native": merged = SegmentSpecifiers.merge(&specifiers.littleEndian, true)
                case "unit":
                    try expect(":", "after 'unit'")
                    guard case .integer(let unitValue) = current.kind, let parsed = unitValue.intValue, (1...256).contains(parsed) else {
                        throw error("expected a unit from 1 to 256")
                    }
                    merged = SegmentSpecifiers.merge(&specifiers.unit, parsed)
                    try advance()
                default:
                    throw error("unknown binary type specifier '\(name)'", at: specifierToken)
                }
                guard merged else { throw error("conflicting binary type specifier '\(name)'", at: specifierToken) }
            } while isPunctuation("-")
        }

        let segmentError = { (message: String) in
            ErlangTermError(file: nil, location: .text(line: start.line, column: start.column), message: message)
        }
        // Refuse absurd sizes rather than allocate them.
        let maximumBits = 1 << 27
        let type = specifiers.type ?? .integer
        let littleEndian = specifiers.littleEndian ?? false

        // erl_bits:apply_defaults/5: a unit needs an explicit size for integers and floats, and is
        // not allowed at all with the utf types.
        var bits: Int? = nil  // nil: all of a binary value
        switch type {
        case .integer, .float:
            if size == nil && specifiers.unit != nil { throw segmentError("a unit is only allowed together with a size") }
            bits = (size ?? (type == .integer ? 8 : 64)) * (specifiers.unit ?? 1)
        case .binary:
            if let size { bits = size * (specifiers.unit ?? 8) }
        case .utf8, .utf16, .utf32:
            if size != nil || specifiers.unit != nil { throw segmentError("a size or unit is not allowed with utf8, utf16 or utf32") }
        }
        if let bits, bits > maximumBits { throw segmentError("binary segment of \(bits) bits is too large") }

        func appendInteger(_ integer: BigInteger, into builder: inout BitBuilder) {
            builder.append(integer: integer, bits: bits ?? 8, littleEndian: littleEndian)
        }

        func appendFloat(_ double: Double, into builder: inout BitBuilder) throws(ErlangTermError) {
            let pattern: BigInteger
            switch bits {
            case 64: pattern = BigInteger(isNegative: false, littleEndianBytes: withUnsafeBytes(of: double.bitPattern.littleEndian) { Array($0) })
            case 32: pattern = BigInteger(Int(Float(double).bitPattern))        // overflows to infinity, as OTP 25 does
            case 16: pattern = BigInteger(Int(Float16(Float(double)).bitPattern))
            default: throw segmentError("a float segment must be 16, 32 or 64 bits, not \(bits ?? 0)")
            }
            builder.append(integer: pattern, bits: bits ?? 64, littleEndian: littleEndian)
        }

        func appendCode(_ code: BigInteger, into builder: inout BitBuilder) throws(ErlangTermError) {
            guard let value = code.intValue.flatMap(UInt32.init(exactly:)), let scalar = Unicode.Scalar(value) else {
                throw segmentError("\(code) is not a Unicode code point")
            }
            switch type {
            case .utf8:
                for byte in String(scalar).utf8 { builder.append(integer: BigInteger(Int(byte)), bits: 8, littleEndian: false) }
            case .utf16:
                for unitValue in String(scalar).utf16 { builder.append(integer: BigInteger(Int(unitValue)), bits: 16, littleEndian: littleEndian) }
            default:
                builder.append(integer: BigInteger(Int(value)), bits: 32, littleEndian: littleEndian)
            }
        }

        switch (value, type) {
        case (.codes(let codes), .integer):
            for code in codes { appendInteger(BigInteger(Int(code)), into: &builder) }
        case (.codes(let codes), .float):
            for code in codes { try appendFloat(Double(code), into: &builder) }
        case (.codes(let codes), .utf8), (.codes(let codes), .utf16), (.codes(let codes), .utf32):
            for code in codes { try appendCode(BigInteger(Int(code)), into: &builder) }
        case (.integer(let integer), .integer):
            appendInteger(integer, into: &builder)
        case (.integer(let integer), .utf8), (.integer(let integer), .utf16), (.integer(let integer), .utf32):
            try appendCode(integer, into: &builder)
        case (.integer(let integer), .float):
            try appendFloat(integer.intValue.map(Double.init) ?? Double(integer.text()) ?? .infinity, into: &builder)
        case (.float(let double), .float):
            try appendFloat(double, into: &builder)
        case (.bits(let nested), .binary):
            let (bytes, totalBits): ([UInt8], Int)
            switch nested {
            case .binary(let data): (bytes, totalBits) = (data, data.count * 8)
            case .bitstring(let data, let trailing): (bytes, totalBits) = (data, (data.count - 1) * 8 + trailing)
            default: throw segmentError("this value does not match the segment's type")
            }
            if let bits {
                guard bits <= totalBits else { throw segmentError("the binary value has fewer bits than the segment's size") }
                builder.append(bits: bytes, count: bits)
            } else {
                guard totalBits % (specifiers.unit ?? 8) == 0 else {
                    throw segmentError("the binary value's size is not a multiple of the segment's unit")
                }
                builder.append(bits: bytes, count: totalBits)
            }
        default:
            throw segmentError("this value does not match the segment's type")
        }
    }
}

/// Accumulates bits most significant first, as Erlang's binary construction does.
struct BitBuilder {
    private(set) var bytes: [UInt8] = []
    private(set) var bitCount = 0

    var term: Term {
        let trailing = bitCount % 8
        return trailing == 0 ? .binary(bytes) : .bitstring(bytes, trailingBits: trailing)
    }

    mutating func appendBit(_ bit: Bool) {
        if bitCount % 8 == 0 { bytes.append(0) }
        if bit { bytes[bytes.count - 1] |= UInt8(0x80) >> UInt8(bitCount % 8) }
        bitCount += 1
    }

    /// Appends the low `bits` bits of `integer` in two's complement.
    mutating func append(integer: BigInteger, bits: Int, littleEndian: Bool) {
        guard bits > 0 else { return }
        // Two's complement bytes, least significant first, long enough for `bits`.
        let byteCount = (bits + 7) / 8
        var magnitude = integer.littleEndianMagnitude
        magnitude += [UInt8](repeating: 0, count: max(0, byteCount - magnitude.count))
        var twos = Array(magnitude.prefix(byteCount))
        if integer.isNegative {
            var carry = 1
            for index in twos.indices {
                let sum = Int(~twos[index]) + carry
                twos[index] = UInt8(truncatingIfNeeded: sum)
                carry = sum >> 8
            }
        }
        if littleEndian && bits % 8 == 0 {
            for byte in twos { append(bits: [byte], count: 8) }
            return
        }
        for bitIndex in stride(from: bits - 1, through: 0, by: -1) {
            appendBit((twos[bitIndex / 8] >> UInt8(bitIndex % 8)) & 1 == 1)
        }
    }

    /// Appends the first `count` bits of `source` (most significant bit of each byte first).
    mutating func append(bits source: [UInt8], count: Int) {
        if bitCount % 8 == 0 && count % 8 == 0 {
            bytes += source.prefix(count / 8)
            bitCount += count
            return
        }
        for bitIndex in 0..<count {
            appendBit((source[bitIndex / 8] << UInt8(bitIndex % 8)) & 0x80 != 0)
        }
    }
}
