import Beam
import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Every BEAM file of the installed OTP, read by us and by `beam_lib`: the same module name, md5,
/// exports, imports, attributes and compile info. All of them, not a sample.
@Suite struct BeamOracleTests {
    /// beam_lib's answer for one file, as the oracle encodes it:
    /// `{Module, MD5, Exports, Imports, Attributes, CompileInfo}`.
    static func ourAnswer(for path: String) throws -> Term {
        let module = try BeamModule(path: path)
        return .tuple([
            .atom(module.name),
            .binary(module.md5),
            .list(module.exports.map { .tuple([.atom($0.name), .integer($0.arity)]) }),
            .list(module.imports.map { .tuple([.atom($0.module), .atom($0.name), .integer($0.arity)]) }),
            .list(module.attributes.map { .tuple([.atom($0.name), $0.value]) }),
            try module.compileInfo() ?? .atom("none"),
        ])
    }

    static func compare(_ paths: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let answers = try ErlangOracle.ask("beams", items: paths)
        try #require(answers.count == paths.count, sourceLocation: sourceLocation)
        var mismatches = 0
        for (path, answer) in zip(paths, answers) where mismatches < 10 {
            let expected = try ErlangOracle.term(fromHex: answer)
            let ours = try ourAnswer(for: path)
            if ours != expected {
                mismatches += 1
                let fields = ["module", "md5", "exports", "imports", "attributes", "compile_info"]
                let differing = zip(fields, zip(ours.tupleElements ?? [], expected.tupleElements ?? []))
                    .filter { $0.1.0 != $0.1.1 }
                    .map { "\($0.0): ours \(TermWriter.render($0.1.0).prefix(300)) / beam_lib \(TermWriter.render($0.1.1).prefix(300))" }
                Issue.record("\(path): \(differing.joined(separator: "; "))", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func everyBeamOfTheInstalledOTPMatchesBeamLib() throws {
        let root = try ErlangOracle.otpRoot()
        let beams = ErlangOracle.files(under: root) { $0.hasSuffix(".beam") }
        #expect(beams.count >= 300, "expected the beams of kernel, stdlib, sasl, inets and more under \(root); found \(beams.count)")
        try Self.compare(beams)
    }

    /// The head of a beam (its first 4 KiB, cut after the atom table) has the whole beam's atoms, for every OTP beam
    /// whose atom table ends in that head; most do.
    @Test func theLeadingAtomsOfEveryOTPBeamAreItsAtoms() throws {
        let beams = ErlangOracle.files(under: try ErlangOracle.otpRoot()) { $0.hasSuffix(".beam") }
        var fromHead = 0
        for path in beams {
            guard let head = BeamFile.leadingAtoms(path: path) else { continue }
            fromHead += 1
            let whole = try BeamFile(path: path)
            #expect(try head.atoms() == whole.atoms(), "\(path)")
            let named = Set(try whole.atoms().prefix(3).map { Array($0.utf8) })
            #expect(try head.hasAtom(in: named, lengths: Set(named.map(\.count))))
            #expect(try !head.hasAtom(in: [Array("no such atom in any beam".utf8)], lengths: [24]))
        }
        #expect(fromHead * 2 > beams.count, "\(fromHead) of \(beams.count) beams had their atom table in the head")
    }

    /// What every OTP beam imports from, as `ImportedModules` keeps it (hashes), against beam_lib's import table: each
    /// module beam_lib lists is found, and the modules other beams import from, and this one does not, are not.
    @Test func importedModulesOfEveryOTPBeamAreBeamLibs() throws {
        let beams = ErlangOracle.files(under: try ErlangOracle.otpRoot()) { $0.hasSuffix(".beam") }
        let answers = try ErlangOracle.ask("beams", items: beams)
        try #require(answers.count == beams.count)
        var importedBy = [Set<String>]()
        for answer in answers {
            let imports = try ErlangOracle.term(fromHex: answer).tupleElements?[3].listElements ?? []
            importedBy.append(Set(imports.compactMap { $0.tupleElements?[0].atomValue }))
        }
        let everyModule = importedBy.reduce(into: Set<String>()) { $0.formUnion($1) }
        var missed = [String](), extra = 0
        for (path, modules) in zip(beams, importedBy) {
            let recorded = try ImportedModules(of: BeamFile(path: path))
            for module in modules where !recorded.mayCallAny(of: [ImportedModules.hash(module.utf8)]) { missed.append("\(path): \(module)") }
            extra += everyModule.subtracting(modules).filter { recorded.mayCallAny(of: [ImportedModules.hash($0.utf8)]) }.count
        }
        #expect(missed.isEmpty, "\(missed.prefix(10))")
        #expect(extra == 0, "modules said to be imported that are not (a hash collision would be one; there are none here)")
        #expect(everyModule.count > 100)
    }

    /// `beam_lib` reads gzip-compressed beams too (as `beam_lib:strip` may leave them); so do we, with the same md5.
    @Test func gzipCompressedBeamMatchesBeamLib() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = try ErlangOracle.otpRoot()
        let source = ErlangOracle.files(under: root) { $0 == "gen_server.beam" }.first!
        let compressed = directory.appendingPathComponent("gen_server.beam").path
        _ = try ErlangOracle.evaluate("{ok, B} = file:read_file(\"\(source)\"), ok = file:write_file(\"\(compressed)\", zlib:gzip(B))")
        let file = try BeamFile(path: compressed)
        #expect(file.wasCompressed)
        try Self.compare([compressed])
        #expect(try BeamModule(path: compressed).md5 == BeamModule(path: source).md5)
    }

    /// Modules compiled here from the fixtures' sources, with behaviours, -vsn, custom attributes,
    /// funs (FunT) and literals (LitT); and the same source compiled with other options has the same md5.
    @Test func fixtureModulesMatchBeamLibAndMd5IgnoresDebugInfo() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = ErlangOracle.packageRoot.appendingPathComponent("Fixtures/beam/md5_probe.erl").path
        let plain = directory.appendingPathComponent("plain"), debug = directory.appendingPathComponent("debug")
        for output in [plain, debug] { try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true) }
        let erlc = try ErlangOracle.executable("erlc")
        try ErlangOracle.runProgram(erlc, ["-o", plain.path, source])
        try ErlangOracle.runProgram(erlc, ["+debug_info", "-DEXTRA_COMMENT", "-o", debug.path, source])
        let paths = [plain.appendingPathComponent("md5_probe.beam").path, debug.appendingPathComponent("md5_probe.beam").path]
        try Self.compare(paths)
        let (first, second) = (try BeamModule(path: paths[0]), try BeamModule(path: paths[1]))
        #expect(first.md5 == second.md5, "debug info and compile options must not change beam_lib:md5")
        #expect(try BeamFile(path: paths[0]).bytes != BeamFile(path: paths[1]).bytes)
        #expect(first.behaviours == ["gen_server", "probe_behaviour"])
        #expect(first.version == "probe-1")
        #expect(first.exports(_: "code_change", arity: 3))
    }
}

/// Abstract code read whole and read in part (the forms the risk checks use: `code_change` and the records), against
/// `beam_lib:chunks(F, [abstract_code])` and the same cut made in Erlang, for every OTP beam that carries it.
@Suite struct DebugInfoOracleTests {
    @Test func abstractCodeWholeAndSelectedMatchesBeamLib() throws {
        let root = try ErlangOracle.otpRoot()
        let beams = ErlangOracle.files(under: root) { $0.hasSuffix(".beam") }.filter { $0.contains("/stdlib-") }
        let answers = try ErlangOracle.ask("abstract", items: beams)
        try #require(answers.count == beams.count)
        var compared = 0, mismatches = 0
        for (path, answer) in zip(beams, answers) where mismatches < 5 {
            let expected = try ErlangOracle.term(fromHex: answer)
            let file = try BeamFile(path: path)
            guard let pair = expected.tupleElements, pair.count == 2 else {
                if case .erlang = file.debugInfo() { Issue.record("\(path): beam_lib finds no abstract code, we do") }
                continue
            }
            compared += 1
            guard case .erlang(let whole) = file.debugInfo(),
                  case .erlang(let selected) = file.debugInfo(functions: ["code_change"], attributes: ["record"]),
                  case .erlang(let bare) = file.debugInfo(functions: [], attributes: []) else {
                Issue.record("\(path): beam_lib reads abstract code, we read none")
                mismatches += 1
                continue
            }
            if Term.list(whole) != pair[0] { mismatches += 1; Issue.record("\(path): the whole forms differ from beam_lib's") }
            if Term.list(selected) != pair[1] { mismatches += 1; Issue.record("\(path): the selected forms differ from beam_lib's, cut in Erlang") }
            // Nothing is wanted: only the forms that are neither functions nor attributes are left.
            let neither = whole.filter { !["function", "attribute"].contains($0.tupleElements?.first?.atomValue ?? "") }
            if bare != neither { mismatches += 1; Issue.record("\(path): with no function or attribute wanted, \(bare.count) forms are left, not \(neither.count)") }
        }
        // stdlib is compiled with debug_info (gen_server, supervisor and friends have code_change and records).
        #expect(compared >= 50, "only \(compared) stdlib beams carry abstract code")
    }
}
