import Foundation

/// Reads Erlang term files as `file:consult/1` does: every term, each ended by a full stop.
///
/// Text is UTF-8 unless a `%% coding: latin-1` comment on the first or second line says otherwise,
/// as epp decides for `file:consult/1`.
public enum TermReader {
    /// Parses every term in `text`.
    /// - Throws: `ErlangTermError` with the line and column of the first problem.
    /// - Parameter dialect: the OTP release whose syntax applies where releases differ (OTP 25's by default).
    public static func parse(_ text: String, file: String? = nil, dialect: TermDialect = .otp25) throws(ErlangTermError) -> [Term] {
        do {
            var parser = try TermParser(Array(text.unicodeScalars), dialect: dialect)
            return try parser.parseAll()
        } catch {
            throw file.map { error.inFile($0) } ?? error
        }
    }

    /// Parses exactly one term (the full stop after it is optional), as `erl_parse:parse_term/1` does for a string.
    public static func parseTerm(_ text: String) throws(ErlangTermError) -> Term {
        let terms = try parse(text.hasSuffix(".") ? text : text + "\n.")
        guard terms.count == 1 else {
            throw ErlangTermError(file: nil, location: .text(line: 1, column: 1), message: "expected one term, found \(terms.count)")
        }
        return terms[0]
    }

    /// Decodes the bytes of a term file and parses every term in it.
    public static func parse(bytes: [UInt8], file: String? = nil, dialect: TermDialect = .otp25) throws(ErlangTermError) -> [Term] {
        try parse(decode(bytes, file: file), file: file, dialect: dialect)
    }

    /// Reads and parses the file at `path`.
    /// - Throws: `ErlangTermError` for unreadable files and bad syntax alike, naming the file.
    public static func consult(path: String, dialect: TermDialect = .otp25) throws(ErlangTermError) -> [Term] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ErlangTermError(file: path, location: .text(line: 1, column: 1), message: "cannot read the file",
                                  hint: "check that it exists and is readable")
        }
        return try parse(bytes: [UInt8](data), file: path, dialect: dialect)
    }

    /// The text encoding a `coding:` comment in the first two lines asks for.
    enum SourceEncoding { case utf8, latin1 }

    static func declaredEncoding(_ bytes: [UInt8]) -> SourceEncoding? {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false).prefix(2)
        if lines.count == 2, lines.last?.isEmpty == true { lines = lines.prefix(1) }
        for line in lines {
            let text = String(decoding: line, as: UTF8.self).lowercased()
            guard text.hasPrefix("%"), let range = text.range(of: "coding") else { continue }
            var rest = text[range.upperBound...].drop { $0 == " " || $0 == "\t" }
            guard let separator = rest.first, separator == ":" || separator == "=" else { continue }
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
            switch name {
            case "latin-1", "latin1", "iso-8859-1": return .latin1
            case "utf-8", "utf8": return .utf8
            default: continue
            }
        }
        return nil
    }

    static func decode(_ bytes: [UInt8], file: String?) throws(ErlangTermError) -> String {
        if declaredEncoding(bytes) == .latin1 {
            return String(latin1: bytes)
        }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        // Find the first bad byte to report its line.
        var line = 1
        var index = 0
        while index < bytes.count {
            let length = utf8SequenceLength(bytes, at: index)
            if length == 0 { break }
            if bytes[index] == UInt8(ascii: "\n") { line += 1 }
            index += length
        }
        throw ErlangTermError(file: file, location: .text(line: line, column: 1), message: "the file is not valid UTF-8",
                              hint: "save it as UTF-8, or declare its encoding with '%% coding: latin-1' on the first line")
    }

    /// The length of the valid UTF-8 sequence starting at `index`, or 0 if it is not valid.
    private static func utf8SequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        for length in 1...4 where index + length <= bytes.count {
            if String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil { return length }
        }
        return 0
    }
}
