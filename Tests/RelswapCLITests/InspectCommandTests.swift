import ErlangTerm
import Foundation
import TestSupport
import Testing

/// `relswap inspect` run as a user runs it: the built binary, its output and its exit status.
@Suite struct InspectCommandTests {
    static func otpFile(_ name: String) throws -> String {
        let root = try ErlangOracle.otpRoot()
        return try #require(ErlangOracle.files(under: root) { $0 == name }.first, "\(name) not found under \(root)")
    }

    /// beam_lib:md5/1 of each file, as lower-case hex.
    static func beamLibMD5(_ paths: [String]) throws -> [String] {
        try ErlangOracle.ask("beams", items: paths).map { line in
            let answer = try ErlangOracle.term(fromHex: line)
            guard case .binary(let md5) = answer.tupleElements?[1] else { throw ErlangOracle.Failure(description: "no md5 in \(line)") }
            return md5.map { String(format: "%02x", $0) }.joined()
        }
    }

    @Test func textOutputShowsModuleVsnBehavioursExportsAndBeamLibMd5() throws {
        let beam = try Self.otpFile("supervisor.beam")
        let result = try Products.run("relswap", ["inspect", beam])
        #expect(result.status == 0, "\(result.standardError)")
        let md5 = try Self.beamLibMD5([beam])[0]
        #expect(result.standardOutput.contains("  module:     supervisor\n"))
        #expect(result.standardOutput.contains("  md5:        \(md5)\n"))
        #expect(result.standardOutput.contains("  behaviours: gen_server\n"))
        #expect(result.standardOutput.contains("start_link/2"))
        #expect(result.standardOutput.contains("  vsn:        ["))
    }

    @Test func termFilesArePrintedAsTextThatConsultReadsBackAsTheSameTerms() throws {
        let files = [try Self.otpFile("sasl.app"), try Self.otpFile("start_sasl.rel"), try Self.otpFile("stdlib.appup")]
        let result = try Products.run("relswap", ["inspect"] + files)
        #expect(result.status == 0, "\(result.standardError)")
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let printed = directory.appendingPathComponent("printed.config").path
        try Data(result.standardOutput.utf8).write(to: URL(fileURLWithPath: printed))
        let answers = try ErlangOracle.ask("consult", items: [printed] + files)
        let printedTerms = try ErlangOracle.term(fromHex: answers[0])
        let originals = try answers.dropFirst().flatMap { try ErlangOracle.term(fromHex: $0).tupleElements![1].listElements! }
        #expect(printedTerms == .tuple([.atom("ok"), .list(originals)]))
    }

    @Test func bootFilesAreDecodedFromTheExternalFormat() throws {
        let result = try Products.run("relswap", ["inspect", try Self.otpFile("start_clean.boot")])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("(external term format)"))
        #expect(result.standardOutput.contains("{script,{\"Erlang/OTP\","))
        #expect(result.standardOutput.contains("{kernel_load_completed}"))
    }

    @Test func jsonOutputIsOneObjectPerFileInTheOrderGiven() throws {
        let beams = [try Self.otpFile("gen_server.beam"), try Self.otpFile("lists.beam")]
        let app = try Self.otpFile("kernel.app")
        let result = try Products.run("relswap", ["inspect", "--json", beams[0], app, beams[1]])
        #expect(result.status == 0, "\(result.standardError)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        #expect(reports.map { $0["kind"] as? String } == ["beam", "terms", "beam"])
        #expect(reports.map { $0["path"] as? String } == [beams[0], app, beams[1]])
        let md5s = try Self.beamLibMD5(beams)
        #expect(reports[0]["md5"] as? String == md5s[0])
        #expect(reports[2]["md5"] as? String == md5s[1])
        #expect(reports[0]["module"] as? String == "gen_server")
        #expect((reports[2]["exports"] as? [String])?.contains("reverse/1") == true)
        #expect((reports[0]["attributes"] as? [[String: String]])?.first { $0["name"] == "vsn" } != nil)
        let terms = try #require(reports[1]["terms"] as? [String])
        #expect(try TermReader.parseTerm(terms[0]) == TermReader.consult(path: app)[0])
    }

    /// Exports and imports in the JSON are beam_lib's, in its order, each written as Erlang writes it (`~tw`): atoms
    /// that need quotes (a double quote, a backslash, a capital, a space, a non-ASCII letter) stay quoted and escaped,
    /// and the JSON string escapes them again.
    @Test func exportsAndImportsAreWrittenAsErlangWritesThem() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("odd.erl")
        try Data(#"""
            -module(odd).
            -export(['a"b'/0, 'back\\slash'/1, 'del\d'/0, 'ctl\001'/0, 'Ünï'/0, plain/2, many/12]).
            'a"b'() -> ok.
            'back\\slash'(X) -> lists:reverse(X).
            'del\d'() -> ok.
            'ctl\001'() -> ok.
            'Ünï'() -> 'Elixir.Enum':map([], fun erlang:abs/1).
            plain(A, B) -> 'we ird':'ca"ll'(A, B).
            many(_, _, _, _, _, _, _, _, _, _, _, _) -> 'q\\uote':x().

            """#.utf8).write(to: source)
        try ErlangOracle.runProgram(try ErlangOracle.executable("erlc"), ["-o", directory.path, source.path])
        let beam = directory.appendingPathComponent("odd.beam").path
        let expected = try ErlangOracle.evaluate("""
            io:setopts([{encoding, unicode}]), \
            {ok, {_, [{exports, E}, {imports, I}]}} = beam_lib:chunks("\(beam)", [exports, imports]), \
            [io:format("e ~ts~n", [io_lib:format("~tw/~w", [N, A])]) || {N, A} <- E], \
            [io:format("i ~ts~n", [io_lib:format("~tw:~tw/~w", [M, N, A])]) || {M, N, A} <- I]
            """).split(separator: "\n").map(String.init)
        let result = try Products.run("relswap", ["inspect", "--json", beam])
        #expect(result.status == 0, "\(result.standardError)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        let exports = try #require(reports.first?["exports"] as? [String]), imports = try #require(reports.first?["imports"] as? [String])
        #expect(exports.map { "e \($0)" } + imports.map { "i \($0)" } == expected)
        #expect(exports.contains(#"'back\\slash'/1"#) && exports.contains(#"'del\d'/0"#) && exports.contains("many/12"), "\(exports)")
    }

    /// A directory stands for the BEAM and term files under it, in path order.
    @Test func directoriesAreSearchedForBeamAndTermFiles() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ebin = directory.appendingPathComponent("lib/app-1/ebin")
        try FileManager.default.createDirectory(at: ebin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try Self.otpFile("lists.beam"), toPath: ebin.appendingPathComponent("lists.beam").path)
        try Data("{application, app, [{vsn, \"1\"}]}.\n".utf8).write(to: ebin.appendingPathComponent("app.app"))
        try Data("not inspected".utf8).write(to: ebin.appendingPathComponent("notes.txt"))
        let result = try Products.run("relswap", ["inspect", "--json", directory.path])
        #expect(result.status == 0, "\(result.standardError)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        #expect(reports.map { ($0["path"] as? String).map { ($0 as NSString).lastPathComponent } } == ["app.app", "lists.beam"])

        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let none = try Products.run("relswap", ["inspect", empty.path])
        #expect(none.status == 1)
        #expect(none.standardError.contains("\(empty.path): it is a directory with no BEAM or term files in it"))
    }

    @Test func outputIsTheSameOnEveryRun() throws {
        let root = try ErlangOracle.otpRoot()
        let beams = ErlangOracle.files(under: root + "/lib") { $0.hasSuffix(".beam") }.prefix(200)
        let first = try Products.run("relswap", ["inspect", "--json"] + beams)
        let second = try Products.run("relswap", ["inspect", "--json"] + beams)
        #expect(first.status == 0)
        #expect(first.standardOutput == second.standardOutput)
    }

    @Test func unreadableAndCorruptFilesAreNamedAndExitOne() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let corrupt = directory.appendingPathComponent("broken.beam").path
        try Data("FOR1\0\0\0\u{8}BEAMxx".utf8).write(to: URL(fileURLWithPath: corrupt))
        let badTerms = directory.appendingPathComponent("sys.config").path
        try Data("[{kernel, [{a, 1}]}]\n".utf8).write(to: URL(fileURLWithPath: badTerms))
        let good = try Self.otpFile("kernel.app")
        let result = try Products.run("relswap", ["inspect", corrupt, good, "/nonexistent.rel", badTerms])
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(corrupt): invalid format of BEAM file near byte number 12"))
        #expect(result.standardError.contains("/nonexistent.rel: cannot read it: No such file or directory"))
        #expect(result.standardError.contains("\(badTerms):2:1: expected '.' after the term, found end of input"))
        #expect(result.standardOutput.contains("{application,kernel,"), "good files are still printed")

        let json = try Products.run("relswap", ["inspect", "--json", corrupt, good])
        #expect(json.status == 1)
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]])
        #expect(reports[0]["kind"] as? String == "error")
        #expect((reports[0]["error"] as? String)?.contains("broken.beam") == true)
    }

    @Test func noFilesIsAUsageError() throws {
        let result = try Products.run("relswap", ["inspect"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("Usage: relswap inspect"))
    }
}

@Suite struct CommandLineTests {
    @Test func versionIsPrinted() throws {
        let result = try Products.run("relswap", ["--version"])
        #expect(result.status == 0)
        #expect(result.standardOutput == "0.1.0\n")
        let agent = try Products.run("relswap-agent", ["--version"])
        #expect(agent.status == 0)
        #expect(agent.standardOutput == "0.1.0\n")
    }

    @Test func helpListsTheCommands() throws {
        let result = try Products.run("relswap", ["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("USAGE: relswap <subcommand>"))
        #expect(result.standardOutput.contains("inspect"))
        let inspect = try Products.run("relswap", ["inspect", "--help"])
        #expect(inspect.status == 0)
        #expect(inspect.standardOutput.contains("USAGE: relswap inspect [--json] <path> ..."))
        #expect(inspect.standardOutput.contains("--json"))
        let help = try Products.run("relswap", ["help", "inspect"])
        #expect(help.standardOutput == inspect.standardOutput)
    }

    @Test func agentHelpListsItsCommands() throws {
        let result = try Products.run("relswap-agent", ["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("USAGE: relswap-agent <subcommand>"))
        for command in ["releases", "call", "unpack", "install", "permanent", "downgrade", "remove", "upgrade"] {
            #expect(result.standardOutput.contains("  \(command) "), "\(command) is listed")
        }
        let upgrade = try Products.run("relswap-agent", ["upgrade", "--help"])
        #expect(upgrade.standardOutput.contains("--health-url"))
        let noNode = try Products.run("relswap-agent", ["releases"])
        #expect(noNode.status == 64)
        #expect(noNode.standardError.contains("Name at least one node with --node."))
    }

    @Test func unknownCommandIsAUsageError() throws {
        let result = try Products.run("relswap", ["frobnicate"])
        #expect(result.status == 64)
    }
}
