import ErlangTerm

/// Why a release's inputs (`.app`, `.rel`, configuration files, application directories) are unusable.
///
/// Every error names the file it is about (where there is one), says what is wrong, and what to do.
public struct ReleaseModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in, if any.
    public var file: String?
    /// What is wrong, as a sentence.
    public var message: String
    /// What to do about it.
    public var hint: String?

    public init(file: String?, message: String, hint: String? = nil) {
        self.file = file
        self.message = message
        self.hint = hint
    }

    /// Wraps a syntax error from the term reader, which already carries the file, line and column.
    public init(_ error: ErlangTermError) {
        self.init(file: nil, message: error.description)
    }

    public var description: String {
        var text = (file.map { "\($0): " } ?? "") + message
        if let hint { text += "; " + hint }
        return text
    }
}

extension ReleaseModelError {
    /// Reads a file that must hold exactly one term (`.app`, `.rel`, `.appup`), naming `shape` in the error.
    static func consultOne(_ path: String, shape: String, hint: String? = nil) throws(ReleaseModelError) -> Term {
        let terms: [Term]
        do {
            terms = try TermReader.consult(path: path)
        } catch {
            throw ReleaseModelError(error)
        }
        guard terms.count == 1 else {
            throw ReleaseModelError(file: path, message: "expected one term \(shape), found \(terms.count)", hint: hint)
        }
        return terms[0]
    }
}
