import ErlangTerm
import Foundation

/// An application upgrade file: `{Vsn, [{UpFromVsn, Instructions}], [{DownToVsn, Instructions}]}`.
///
/// A from-version is a string, or a binary holding a regular expression that must match the whole
/// version (as `systools_relup` uses `re:run/3`).
public struct Appup: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// `.string("1")` or `.binary(...)` for a regular expression.
        public var version: Term
        public var instructions: [Term]

        public init(version: Term, instructions: [Term]) {
            self.version = version
            self.instructions = instructions
        }

        /// True if this entry is for `version`: equal, or a regular expression matching all of it.
        public func matches(_ version: String) -> Bool {
            Appup.versionMatches(self.version, version)
        }

        var term: Term { .tuple([self.version, .list(instructions)]) }
    }

    public var version: String
    public var up: [Entry]
    public var down: [Entry]

    public init(version: String, up: [Entry], down: [Entry]) {
        self.version = version
        self.up = up
        self.down = down
    }

    public static func versionMatches(_ pattern: Term, _ version: String) -> Bool {
        switch pattern {
        case .binary(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self),
                  let expression = try? NSRegularExpression(pattern: text) else { return false }
            let range = NSRange(version.startIndex..., in: version)
            return expression.firstMatch(in: version, options: [.anchored], range: range)?.range == range
        default:
            return pattern.stringValue == version
        }
    }

    /// True if `bytes` is UTF-8 text that compiles as a regular expression.
    public static func isRegularExpression(_ bytes: [UInt8]) -> Bool {
        guard let text = String(validating: bytes, as: UTF8.self) else { return false }
        return (try? NSRegularExpression(pattern: text)) != nil
    }

    /// Reads and checks an appup file.
    public init(path: String) throws(ReleaseModelError) {
        try self.init(term: ReleaseModelError.consultOne(path, shape: "{Vsn, UpFrom, DownTo}"), file: path)
    }

    public init(term: Term, file: String?) throws(ReleaseModelError) {
        func failure(_ message: String) -> ReleaseModelError {
            ReleaseModelError(file: file, message: message, hint: "an appup is {\"NewVsn\", [{\"OldVsn\", [Instruction]}], [{\"OldVsn\", [Instruction]}]}")
        }
        guard let parts = term.tupleElements, parts.count == 3, let version = parts[0].stringValue,
              let upList = parts[1].listElements, let downList = parts[2].listElements else {
            throw failure("expected {Vsn, UpFrom, DownTo}, found \(TermWriter.render(term).prefix(120))")
        }
        func entries(_ list: [Term], _ what: String) throws(ReleaseModelError) -> [Entry] {
            var result = [Entry]()
            for item in list {
                guard let pair = item.tupleElements, pair.count == 2, pair[0].stringValue != nil || { if case .binary = pair[0] { return true }; return false }(),
                      let instructions = pair[1].listElements else {
                    throw failure("each \(what) entry must be {Vsn, [Instruction]}; \(TermWriter.render(item).prefix(100)) is not")
                }
                if case .binary(let bytes) = pair[0], !Appup.isRegularExpression(bytes) {
                    throw ReleaseModelError(file: file, message: "the \(what) entry's version \(TermWriter.render(pair[0])) is not a valid regular expression",
                                            hint: "systools matches a binary version as a regular expression against the whole version; fix it, or give the version as a string")
                }
                result.append(Entry(version: pair[0].stringValue.map(Term.text) ?? pair[0], instructions: instructions))
            }
            return result
        }
        self.init(version: version, up: try entries(upList, "upgrade"), down: try entries(downList, "downgrade"))
    }

    public var term: Term { .tuple([.text(version), .list(up.map(\.term)), .list(down.map(\.term))]) }

    /// The file's text: a coding line, the comment lines, and the term with one instruction per line.
    /// No timestamps: the same appup always gives the same bytes.
    public func fileContents(comment: [String] = []) -> String {
        var text = "%% coding: utf-8\n"
        for line in comment { text += "%% \(line)\n" }
        func section(_ entries: [Entry]) -> String {
            if entries.isEmpty { return "[]" }
            return "[" + entries.map { entry in
                let instructions = entry.instructions.isEmpty ? "[]"
                    : "[" + entry.instructions.map(TermWriter.render).joined(separator: ",\n    ") + "]"
                return "{\(TermWriter.render(entry.version)),\n   \(instructions)}"
            }.joined(separator: ",\n  ") + "]"
        }
        text += "{\(TermWriter.render(.text(version))),\n [\(section(up).dropFirst().dropLast())],\n [\(section(down).dropFirst().dropLast())]}.\n"
        return text
    }
}
