import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Our reader against OTP's `file:consult/1`, file by file: the same terms, or an error where OTP gives one.
@Suite struct ConsultOracleTests {
    static func termFilesInstalledWithOTP() throws -> [String] {
        let root = try ErlangOracle.otpRoot()
        return ErlangOracle.files(under: root) { name in
            name.hasSuffix(".app") || name.hasSuffix(".appup") || name.hasSuffix(".rel")
        }
    }

    static let fixtureTermFiles: [String] = ["syntax-zoo.config", "latin1.config"].map {
        ErlangOracle.packageRoot.appendingPathComponent("Fixtures/terms/\($0)").path
    }

    /// Compares our reading of each file with file:consult/1's; returns how many agreed.
    @discardableResult
    static func compareWithConsult(_ paths: [String], context: [String: String] = [:],
                                   sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let answers = try ErlangOracle.ask("consult", items: paths)
        try #require(answers.count == paths.count, sourceLocation: sourceLocation)
        var agreed = 0
        for (file, answer) in zip(paths, answers) {
            let path = file
            let expected = try ErlangOracle.term(fromHex: answer)
            let ours: Result<[Term], ErlangTermError> = Result { () throws(ErlangTermError) in try TermReader.consult(path: path, dialect: TermDialect(otpRelease: ErlangOracle.otpRelease)) }
            switch (ours, expected.tupleElements?.first?.atomValue) {
            case (.success(let terms), "ok"):
                let otpTerms = expected.tupleElements![1]
                if Term.list(terms) == otpTerms {
                    agreed += 1
                } else {
                    Issue.record("\(path)\(context[path].map { " (\($0))" } ?? ""): we read \(TermWriter.render(.list(terms)).prefix(600))\nOTP read \(TermWriter.render(otpTerms).prefix(600))",
                                 sourceLocation: sourceLocation)
                }
            case (.failure, "error"):
                agreed += 1
            case (.success(let terms), _):
                Issue.record("\(path)\(context[path].map { " (\($0))" } ?? ""): OTP rejects it (\(TermWriter.render(expected))) but we read \(TermWriter.render(.list(terms)).prefix(300))",
                             sourceLocation: sourceLocation)
            case (.failure(let error), _):
                Issue.record("\(path)\(context[path].map { " (\($0))" } ?? ""): OTP reads it but we fail: \(error)", sourceLocation: sourceLocation)
            }
        }
        return agreed
    }

    @Test func everyAppAppupAndRelFileOfTheInstalledOTPReadsAsConsultReadsIt() throws {
        let files = try Self.termFilesInstalledWithOTP()
        #expect(files.count >= 20, "expected the .app files of at least kernel, stdlib, sasl and inets; found \(files.count)")
        let agreed = try Self.compareWithConsult(files)
        #expect(agreed == files.count)
    }

    /// The terms of every OTP term file, written by our writer, are consulted back by OTP as the same
    /// terms, and our encoding of each is byte-identical to term_to_binary/1 (OTP 25 and OTP 26 forms).
    @Test func otpTermsWrittenByUsAreConsultedBackAndEncodeAsTermToBinaryDoes() throws {
        let files = try Self.termFilesInstalledWithOTP() + Self.fixtureTermFiles
        let terms = try files.flatMap { try TermReader.consult(path: $0, dialect: TermDialect(otpRelease: ErlangOracle.otpRelease)) }
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let written = directory.appendingPathComponent("written.config")
        try Data(TermWriter.fileContents(terms).utf8).write(to: written)
        let answers = try ErlangOracle.ask("encode", items: [written.path])
        try #require(answers.count == terms.count, "file:consult/1 answered \(answers.first?.prefix(300) ?? "nothing")")
        for (index, (term, answer)) in zip(terms, answers).enumerated() {
            let parts = answer.split(separator: " ").map(String.init)
            #expect(try ErlangOracle.term(fromHex: parts[0]) == term, "term \(index): \(TermWriter.render(term).prefix(200))")
            #expect(ErlangOracle.sameEncoding(ours: ErlangOracle.hex(ExternalTermFormat.encode(term, options: ErlangOracle.defaultEncoding)), otp: parts[0], of: term), "term \(index), term_to_binary/1's form on OTP \(ErlangOracle.otpRelease)")
            #expect(ErlangOracle.sameEncoding(ours: ErlangOracle.hex(ExternalTermFormat.encode(term, options: ErlangOracle.otpRelease >= 27 ? .otp27 : .otp26)), otp: parts[1], of: term), "term \(index), minor_version 2")
        }
    }

    @Test func syntaxZooAndLatin1FixturesReadAsConsultReadsThem() throws {
        #expect(try Self.compareWithConsult(Self.fixtureTermFiles) == 2)
    }

    /// Binary segments with every kind of type specifier, size and unit, and parenthesised terms:
    /// each line is its own file, accepted or rejected as OTP does.
    @Test func binarySegmentsAndParenthesesAreReadAsConsultReadsThem() throws {
        let lines = try String(contentsOfFile: ErlangOracle.packageRoot.appendingPathComponent("Fixtures/terms/binary-segments.txt").path,
                               encoding: .utf8).split(separator: "\n")
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths = [String]()
        for (index, line) in lines.enumerated() {
            let path = directory.appendingPathComponent("segment-\(index).config").path
            try Data((line + "\n").utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        #expect(try Self.compareWithConsult(paths) == lines.count)
    }

    /// Mutated term files (characters deleted, duplicated or replaced by syntax characters): for each,
    /// we must accept exactly what file:consult/1 accepts and read the same terms.
    @Test func mutatedTermFilesAreAcceptedOrRejectedAsConsultDoes() throws {
        let sources = try Self.fixtureTermFiles.prefix(1).map { try String(contentsOfFile: $0, encoding: .utf8) }
            + [TermWriter.fileContents([.tuple([.atom("application"), .atom("snowflake"), .list([
                .tuple([.atom("vsn"), "1.0.0"]), .tuple([.atom("env"), .list([.tuple([.atom("port"), 8080])])])])])])]
        let replacements: [Unicode.Scalar] = ["'", "\"", "$", "\\", ".", ",", "{", "}", "[", "]", "|", "<", ">", "#", "%",
                                              "-", "+", "_", "e", "0", "9", "x", "=", ":", "/", " ", "\n", "A", "^"]
        var random = SeededRandom(seed: 42)
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths = [String]()
        var context = [String: String]()
        for (sourceIndex, source) in sources.enumerated() {
            let scalars = Array(source.unicodeScalars)
            for mutation in 0..<800 {
                var mutated = scalars
                let position = Int.random(in: 0..<mutated.count, using: &random)
                switch mutation % 3 {
                case 0: mutated.remove(at: position)
                case 1: mutated.insert(mutated[position], at: position)
                default: mutated[position] = replacements[Int.random(in: 0..<replacements.count, using: &random)]
                }
                let path = directory.appendingPathComponent("m\(sourceIndex)-\(mutation).config").path
                let text = String(String.UnicodeScalarView(mutated))
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
                let line = text.unicodeScalars.prefix(position).filter { $0 == "\n" }.count
                context[path] = "mutated line \(line + 1): \(text.split(separator: "\n", omittingEmptySubsequences: false)[line])"
                paths.append(path)
            }
        }
        let agreed = try Self.compareWithConsult(paths, context: context)
        #expect(agreed == paths.count)
    }
}

/// The reader's own behaviour where OTP is not needed to say what is right: error positions and messages.
@Suite struct TermReaderErrorTests {
    static let cases: [(text: String, line: Int, column: Int, message: String)] = [
        ("{a, b", 1, 6, "expected '}' or ',' after a tuple element, found end of input"),
        ("{a, b}", 1, 7, "expected '.' after the term, found end of input"),
        ("[1, 2 3].", 1, 7, "expected ']' or ',' or '|' after a list element, found integer 3"),
        ("\n\n  {Var}.", 3, 4, "variable Var is not allowed in a term"),
        ("{\"unterminated}.\n", 1, 2, "unterminated string: no closing \""),
        ("{a, end}.", 1, 5, "reserved word 'end' cannot stand for an atom"),
        ("#{a := 1}.", 1, 5, "':=' updates a map; a map literal uses '=>'"),
        ("37#1.", 1, 1, "base 37 is not between 2 and 36"),
        ("- a.", 1, 3, "expected a number after '-', found atom a"),
        ("<<1.5/binary>>.", 1, 3, "this value does not match the segment's type"),
    ]

    @Test(arguments: cases)
    func syntaxErrorNamesLineColumnAndWhatWasExpected(_ testCase: (text: String, line: Int, column: Int, message: String)) {
        #expect {
            _ = try TermReader.parse(testCase.text, file: "x.config")
        } throws: { error in
            guard let error = error as? ErlangTermError else { return false }
            #expect(error.file == "x.config")
            #expect(error.location == .text(line: testCase.line, column: testCase.column))
            #expect(error.message == testCase.message)
            return true
        }
    }

    /// Where OTP releases differ, the dialect decides: OTP 27 and later refuse `maybe`/`else` unquoted and two strings
    /// with nothing between them; OTP 25 reads both. (The matrix checks each against that OTP's file:consult.)
    @Test func theDialectFollowsTheOTPRelease() throws {
        #expect(try TermReader.parse("{a, maybe, else, \"x\"\"y\"}.") == [.tuple([.atom("a"), .atom("maybe"), .atom("else"), "xy"])])
        let otp27 = TermDialect(otpRelease: 27)
        #expect(throws: ErlangTermError.self) { try TermReader.parse("{a, maybe}.", dialect: otp27) }
        #expect(throws: ErlangTermError.self) { try TermReader.parse("{a, else}.", dialect: otp27) }
        #expect {
            _ = try TermReader.parse("{a, \"x\"\"y\"}.", file: "s.config", dialect: otp27)
        } throws: { error in
            (error as? ErlangTermError)?.message.contains("string_concat") == true && (error as? ErlangTermError)?.location == .text(line: 1, column: 8)
        }
        #expect(try TermReader.parse("{a, \"x\" \"y\", 'maybe'}.", dialect: otp27) == [.tuple([.atom("a"), "xy", .atom("maybe")])])
    }

    @Test func descriptionReadsFileLineColumnMessage() {
        let error = ErlangTermError(file: "rel/sys.config", location: .text(line: 3, column: 7), message: "expected a term", hint: nil)
        #expect(error.description == "rel/sys.config:3:7: expected a term")
    }

    @Test func invalidUTF8WithoutCodingLineIsAnErrorWithAHint() {
        #expect {
            _ = try TermReader.parse(bytes: Array("{a}.\n{\"".utf8) + [0xE9] + Array("\"}.".utf8), file: "l.config")
        } throws: { error in
            let error = error as? ErlangTermError
            return error?.location == .text(line: 2, column: 1) && error?.hint?.contains("coding: latin-1") == true
        }
    }
}
