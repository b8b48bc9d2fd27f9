/// Why a term file or an external-format binary could not be read.
///
/// The description reads as a sentence that names the place: `file:line:column: ...` for text,
/// `file: byte N: ...` for binaries, so that a user can go straight to it.
public struct ErlangTermError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the problem was found.
    public enum Location: Sendable, Equatable {
        /// A position in text: 1-based line and column (columns count characters, as `erl_scan` does).
        case text(line: Int, column: Int)
        /// A byte offset into a binary (0-based, counting the leading 131).
        case byte(Int)
    }

    /// The file, if the input came from one.
    public var file: String?
    public var location: Location
    /// What is wrong, e.g. "expected ',' or '}' after a tuple element".
    public var message: String
    /// What to do about it, if there is something to suggest.
    public var hint: String?

    public init(file: String?, location: Location, message: String, hint: String? = nil) {
        self.file = file
        self.location = location
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = file.map { "\($0):" } ?? ""
        switch location {
        case .text(let line, let column): text += "\(line):\(column): "
        case .byte(let offset): text += (file == nil ? "" : " ") + "byte \(offset): "
        }
        text += message
        if let hint { text += " (\(hint))" }
        return text
    }

    /// The same error, naming `file`.
    public func inFile(_ file: String) -> ErlangTermError {
        var copy = self
        copy.file = file
        return copy
    }
}
