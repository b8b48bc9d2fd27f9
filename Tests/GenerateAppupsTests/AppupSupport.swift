import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Release roots built from the fixtures, and systools' verdict on appups.
enum AppupSupport {
    /// Builds `Fixtures/<fixture>/v<version>` and generates release `<name>` `<version>` (without erts) at `root`.
    @discardableResult
    static func release(_ fixture: String, version: Int, name: String? = nil, at root: URL, in directory: URL,
                        extraApplications: [String] = []) throws -> URL {
        let lib = directory.appendingPathComponent("build-\(fixture)-\(version)-\(UUID().uuidString.prefix(6))")
        let app = try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("\(fixture)/v\(version)"), libDirectory: lib, version: String(version))
        let appName = String(app.lastPathComponent.prefix { $0 != "-" })
        let result = try Products.run("relswap", ["generate", "--no-erts", "--force", "--name", name ?? appName, "--release-version", String(version),
                                                  "--app", appName, "--lib-dir", lib.path, "--target-dir", root.path]
                                                 + extraApplications.flatMap { ["--app", $0] })
        guard result.status == 0 else { throw ErlangOracle.Failure(description: "generate failed: \(result.standardError)") }
        return root
    }

    static func relswap(_ arguments: [String], in directory: URL? = nil) throws -> ErlangOracle.ProgramResult {
        try Products.run("relswap", arguments, currentDirectory: directory)
    }

    /// `systools:make_relup/4` for `new` from `old`, with both releases' ebin directories on the path:
    /// the relup term, or a failure carrying systools' own words.
    static func makeRelup(old: URL, oldVersion: String, new: URL, newVersion: String, name: String, in directory: URL) throws -> Term {
        let output = directory.appendingPathComponent("relup-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let oldRel = old.appendingPathComponent("releases/\(oldVersion)/\(name)").path
        let newRel = new.appendingPathComponent("releases/\(newVersion)/\(name)").path
        let text = try ErlangOracle.evaluate("""
            P = filelib:wildcard("\(old.path)/lib/*/ebin") ++ filelib:wildcard("\(new.path)/lib/*/ebin"), \
            case systools:make_relup("\(newRel)", ["\(oldRel)"], ["\(oldRel)"], [{path, P}, {outdir, "\(output.path)"}, silent]) of \
              {ok, _, _, _} -> {ok, [R]} = file:consult("\(output.path)/relup"), io:format("~s", [binary:encode_hex(term_to_binary(R))]); \
              Other -> io:format("ERROR ~0tp", [Other]) \
            end
            """)
        guard !text.hasPrefix("ERROR") else { throw ErlangOracle.Failure(description: "systools:make_relup refused: \(text)") }
        return try ErlangOracle.term(fromHex: text)
    }
}

/// A hand-written counter.appup.src whose extra instruction leaves a mark on the node.
enum AppupSourceFixture {
    static var text: String { (try? String(contentsOf: ErlangBuild.fixture("appup-src/counter.appup.src"), encoding: .utf8)) ?? "" }
}
