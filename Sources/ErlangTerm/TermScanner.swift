// The tokenizer for Erlang term files, following erl_scan's rules for the tokens a term can contain.

/// One token with the position of its first character.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case atom(String)                 // unquoted or quoted
        case reservedWord(String)         // unquoted reserved word such as `fun` or `end`
        case variable(String)
        case string([UInt32])
        case character(UInt32)
        case integer(BigInteger)
        case float(Double)
        case punctuation(String)          // { } [ ] ( ) , | => << >> # : / - + ...
        case dot                          // the `.` that ends a term
        case endOfInput
    }
    var kind: Kind
    var line: Int
    var column: Int
}

/// Splits text into tokens. Errors carry the line and column of the offending character.
struct TermScanner {
    private let text: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1

    /// Atom names erl_scan treats as keywords. `maybe` and `else` are keywords once the
    /// `maybe_expr` feature is on (the default from OTP 27), so they are always quoted on output.
    static let reservedWords: Set<String> = [
        "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case", "catch",
        "cond", "div", "end", "fun", "if", "let", "not", "of", "or", "orelse", "receive", "rem", "try",
        "when", "xor",
    ]

    private let dialect: TermDialect
    private let reserved: Set<String>

    init(_ text: [Unicode.Scalar], dialect: TermDialect = .otp25) {
        self.text = text
        self.dialect = dialect
        reserved = dialect.maybeIsKeyword ? TermScanner.reservedWords.union(["maybe", "else"]) : TermScanner.reservedWords
    }

    private func error(_ message: String, line: Int? = nil, column: Int? = nil, hint: String? = nil) -> ErlangTermError {
        ErlangTermError(file: nil, location: .text(line: line ?? self.line, column: column ?? self.column), message: message, hint: hint)
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let position = index + offset
        return position < text.count ? text[position] : nil
    }

    private mutating func advance() {
        if text[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        c.value <= 0x20 || (0x80...0xA0).contains(c.value)
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    /// erl_scan's `?UNICODE(C)`: a code point other than a surrogate, U+FFFE or U+FFFF.
    /// Characters outside it are illegal in strings, quoted atoms and `$` literals, raw or escaped.
    static func isUnicode(_ code: UInt32) -> Bool {
        code < 0xD800 || (code > 0xDFFF && code < 0xFFFE) || (code > 0xFFFF && code <= 0x10FFFF)
    }

    /// Characters that may start an unquoted atom: a-z and Latin-1 lower-case letters.
    static func isAtomStart(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ((0xDF...0xFF).contains(c.value) && c.value != 0xF7)
    }

    /// Characters that may start a variable: A-Z, `_` and Latin-1 upper-case letters.
    static func isVariableStart(_ c: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(c) || c == "_" || ((0xC0...0xDE).contains(c.value) && c.value != 0xD7)
    }

    /// Characters that may continue a name.
    static func isNameCharacter(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || isDigit(c) || c == "_" || c == "@"
            || ((0xC0...0xFF).contains(c.value) && c.value != 0xD7 && c.value != 0xF7)
    }

    mutating func nextToken() throws(ErlangTermError) -> Token {
        skipWhitespaceAndComments()
        let startLine = line, startColumn = column
        guard let c = peek() else { return Token(kind: .endOfInput, line: line, column: column) }
        func token(_ kind: Token.Kind) -> Token { Token(kind: kind, line: startLine, column: startColumn) }

        if TermScanner.isAtomStart(c) {
            let (name, count) = scanName()
            // erl_scan refuses these as file:consult does (system_limit): an atom is 255 characters at most.
            guard count <= 255 else {
                throw error("atom is longer than 255 characters", line: startLine, column: startColumn)
            }
            // Reserved words are at most 7 letters: longer names skip the set's hashing.
            return token(count <= 7 && reserved.contains(name) ? .reservedWord(name) : .atom(name))
        }
        if TermScanner.isVariableStart(c) {
            return token(.variable(scanName().name))
        }
        if TermScanner.isDigit(c) {
            return token(try scanNumber())
        }
        switch c {
        case "'":
            advance()
            let codes = try scanQuoted(terminator: "'", startLine: startLine, startColumn: startColumn)
            guard codes.count <= 255 else {
                throw error("atom is longer than 255 characters", line: startLine, column: startColumn)
            }
            var name = String.UnicodeScalarView()
            for code in codes {
                guard let scalar = Unicode.Scalar(code) else {
                    throw error("atom contains an invalid character code \(code)", line: startLine, column: startColumn)
                }
                name.append(scalar)
            }
            return token(.atom(String(name)))
        case "\"":
            advance()
            let codes = try scanQuoted(terminator: "\"", startLine: startLine, startColumn: startColumn)
            if dialect.adjacentStringsNeedSpace, peek() == "\"" {
                throw error("two strings with nothing between them, which OTP \(dialect.otpRelease) refuses (erl_scan's string_concat)",
                            hint: "put a space between the two strings, or make them one")
            }
            return token(.string(codes))
        case "$":
            advance()
            guard let next = peek() else { throw error("expected a character after '$'") }
            if next == "\\" {
                advance()
                return token(.character(try scanEscape()))
            }
            guard TermScanner.isUnicode(next.value) else { throw error("illegal character \(TermScanner.describe(next))") }
            advance()
            return token(.character(next.value))
        case ".":
            advance()
            if let following = peek(), !TermScanner.isWhitespace(following), following != "%" {
                return token(.punctuation("."))
            }
            return token(.dot)
        case "<", ">", "=":
            advance()
            if c == "<", peek() == "<" { advance(); return token(.punctuation("<<")) }
            if c == ">", peek() == ">" { advance(); return token(.punctuation(">>")) }
            if c == "=", peek() == ">" { advance(); return token(.punctuation("=>")) }
            if c == "=", peek() == ":" { advance(); return token(.punctuation("=:")) }
            return token(.punctuation(String(c)))
        case ":":
            advance()
            if peek() == "=" { advance(); return token(.punctuation(":=")) }
            return token(.punctuation(":"))
        case "{", "}", "[", "]", "(", ")", ",", "|", "#", "/", "-", "+", "*", ";", "!", "?":
            advance()
            return token(.punctuation(String(c)))
        default:
            throw error("illegal character \(TermScanner.describe(c))")
        }
    }

    static func describe(_ c: Unicode.Scalar) -> String {
        if c.value >= 0x21 && c.value < 0x7F { return "'\(c)'" }
        return "U+" + String(c.value, radix: 16, uppercase: true)
    }

    private mutating func skipWhitespaceAndComments() {
        while let c = peek() {
            if TermScanner.isWhitespace(c) {
                advance()
            } else if c == "%" {
                while let d = peek(), d != "\n" { advance() }
            } else {
                return
            }
        }
    }

    /// A name and its length in characters. Names never hold a newline, so the column moves by the length. An ASCII
    /// name (nearly all) is made from its bytes at once rather than a scalar at a time.
    private mutating func scanName() -> (name: String, count: Int) {
        let start = index
        var ascii = true
        while index < text.count, TermScanner.isNameCharacter(text[index]) {
            if text[index].value >= 0x80 { ascii = false }
            index += 1
        }
        let count = index - start
        column += count
        if ascii {
            return (String(unsafeUninitializedCapacity: count) { buffer in
                for offset in 0..<count { buffer[offset] = UInt8(truncatingIfNeeded: text[start + offset].value) }
                return count
            }, count)
        }
        return (String(String.UnicodeScalarView(text[start..<index])), count)
    }

    /// Digits with single `_` separators between them, as OTP 23 and later accept.
    private mutating func scanDigits(radix: Int) -> String? {
        var digits = String.UnicodeScalarView()
        while let c = peek() {
            if let value = BigInteger.digitValue(c), value < radix {
                digits.append(c)
                advance()
            } else if c == "_", !digits.isEmpty, let next = peek(1), let value = BigInteger.digitValue(next), value < radix {
                advance()
            } else {
                break
            }
        }
        return digits.isEmpty ? nil : String(digits)
    }

    /// The longest integer literal read: conversion to binary grows with the square of its length, and no file a
    /// release holds needs more.
    static let maximumDigits = 20_000

    private mutating func scanNumber() throws(ErlangTermError) -> Token.Kind {
        let startLine = line, startColumn = column
        guard let whole = scanDigits(radix: 10) else { throw error("expected digits") }
        guard whole.count <= TermScanner.maximumDigits else {
            throw error("integer of \(whole.count) digits; Relswap reads integers of up to \(TermScanner.maximumDigits) digits", line: startLine, column: startColumn)
        }
        if peek() == "#" {
            guard let radix = Int(whole), (2...36).contains(radix) else {
                throw error("base \(whole) is not between 2 and 36", line: startLine, column: startColumn)
            }
            advance()
            guard let digits = scanDigits(radix: radix), digits.count <= TermScanner.maximumDigits * 4,
                  let value = BigInteger(digits: digits, radix: radix) else {
                throw error("expected base-\(radix) digits after '\(whole)#'")
            }
            return .integer(value)
        }
        if peek() == ".", let next = peek(1), TermScanner.isDigit(next) {
            advance()
            let fraction = scanDigits(radix: 10) ?? "0"
            var literal = whole + "." + fraction
            if let e = peek(), e == "e" || e == "E" {
                var lookahead = 1
                if let sign = peek(1), sign == "+" || sign == "-" { lookahead = 2 }
                if let digit = peek(lookahead), TermScanner.isDigit(digit) {
                    for _ in 0..<lookahead { advance() }
                    literal += "e" + (lookahead == 2 ? String(text[index - 1]) : "") + (scanDigits(radix: 10) ?? "")
                }
            }
            guard let value = Double(literal), value.isFinite else {
                throw error("float \(literal) is out of range", line: startLine, column: startColumn)
            }
            return .float(value)
        }
        // BigInteger(digits:) cannot fail here: `whole` holds decimal digits only.
        return .integer(BigInteger(digits: whole, radix: 10) ?? BigInteger(0))
    }

    /// Reads up to the closing quote; the opening quote has been consumed.
    private mutating func scanQuoted(terminator: Unicode.Scalar, startLine: Int, startColumn: Int) throws(ErlangTermError) -> [UInt32] {
        var codes = [UInt32]()
        while true {
            guard let c = peek() else {
                let what = terminator == "'" ? "quoted atom" : "string"
                throw error("unterminated \(what): no closing \(terminator)", line: startLine, column: startColumn,
                            hint: "add the closing \(terminator)")
            }
            guard TermScanner.isUnicode(c.value) else { throw error("illegal character \(TermScanner.describe(c))") }
            advance()
            if c == terminator { return codes }
            if c == "\\" {
                codes.append(try scanEscape())
            } else {
                codes.append(c.value)
            }
        }
    }

    /// Reads an escape sequence; the backslash has been consumed.
    private mutating func scanEscape() throws(ErlangTermError) -> UInt32 {
        guard let c = peek() else { throw error("expected an escape sequence after '\\'") }
        advance()
        switch c {
        case "b": return 8
        case "d": return 127
        case "e": return 27
        case "f": return 12
        case "n": return 10
        case "r": return 13
        case "s": return 32
        case "t": return 9
        case "v": return 11
        case "0"..."7":
            var value = c.value - 0x30
            for _ in 0..<2 {
                guard let d = peek(), ("0"..."7").contains(d) else { break }
                value = value * 8 + (d.value - 0x30)
                advance()
            }
            return value
        case "x":
            if peek() == "{" {
                advance()
                var value: UInt32 = 0
                var count = 0
                while let d = peek(), let digit = BigInteger.digitValue(d), digit < 16 {
                    value = value &* 16 &+ UInt32(digit)
                    count += 1
                    advance()
                    if count > 8 { throw error("character code in \\x{...} is too large") }
                }
                guard count > 0, peek() == "}" else { throw error("expected hexadecimal digits and '}' in \\x{...}") }
                advance()
                guard TermScanner.isUnicode(value) else {
                    throw error("\\x{\(String(value, radix: 16))} is not a Unicode code point")
                }
                return value
            }
            var value: UInt32 = 0
            for _ in 0..<2 {
                guard let d = peek(), let digit = BigInteger.digitValue(d), digit < 16 else {
                    throw error("expected two hexadecimal digits after \\x")
                }
                value = value * 16 + UInt32(digit)
                advance()
            }
            return value
        case "^":
            guard let d = peek() else { throw error("expected a character after \\^") }
            advance()
            return d.value & 31
        default:
            return c.value
        }
    }
}
