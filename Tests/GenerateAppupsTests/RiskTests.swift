import ErlangTerm
import Foundation
import TestSupport
import Testing

/// The risks generate-appups reports from the two builds (Fixtures/risky: one module per risk), --check failing on
/// errors until accepted, and "unknown" where debug info is missing until --debug-info-from supplies it.
@Suite struct RiskTests {
    static func pair(in directory: URL, debugInfo: Bool) throws -> (old: URL, new: URL, lib2: URL) {
        var roots = [URL]()
        for version in [1, 2] {
            let lib = directory.appendingPathComponent("lib\(version)")
            try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("risky/v\(version)"), libDirectory: lib, version: String(version),
                                                    erlcOptions: debugInfo ? ["+debug_info"] : [])
            let root = directory.appendingPathComponent("risky_\(version)")
            let result = try Products.run("relswap", ["generate", "--no-erts", "--name", "risky", "--release-version", String(version), "--app", "risky",
                                                      "--lib-dir", lib.path, "--target-dir", root.path])
            guard result.status == 0 else { throw ErlangOracle.Failure(description: result.standardError) }
            roots.append(root)
        }
        return (roots[0], roots[1], directory.appendingPathComponent("lib2"))
    }

    static func risks(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try Products.run("relswap", ["generate-appups", "--json", "--dry-run"] + arguments)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any], "\(result.standardError)")
        return report["risks"] as? [[String: Any]] ?? []
    }

    static func codes(_ risks: [[String: Any]]) -> [String] {
        risks.map { "\($0["level"] ?? "") \($0["code"] ?? "") \($0["module"] as? String ?? "-")" }
    }

    @Test func eachRiskIsFoundWithItsCodeAndModule() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, _) = try Self.pair(in: directory, debugInfo: true)
        let risks = try Self.risks(["--previous", old.path, "--current", new.path])
        #expect(Set(Self.codes(risks)) == ["error native_code_changed risky_nif", "error state_changed risky_state",
                                          "error code_change_no_match risky_vsn", "error calls_break risky_caller",
                                          "warning behaviour_changed risky_plain"], "\(Self.codes(risks))")
        // The OldVsn term is the one release_handler computes: beam_lib:version of the old beam (OTP as the oracle).
        let otpVsn = try ErlangOracle.evaluate("{ok, {_, [V]}} = beam_lib:version(\"\(old.path)/lib/risky-1/ebin/risky_vsn.beam\"), io:format(\"~p\", [V])")
        let seen = risks.filter { $0["code"] as? String == "code_change_no_match" }.compactMap { $0["seen"] as? String }
        #expect(seen.count == 2 && seen.contains { $0.contains("code_change(\(otpVsn), ...)") } && seen.contains { $0.contains("code_change({down,\(otpVsn)}, ...)") }, "\(seen)")
        // And risky_api:old_fun/0 is really gone from the new beam's exports (OTP's beam_lib as the oracle).
        let exports = try ErlangOracle.evaluate("{ok, {_, [{exports, E}]}} = beam_lib:chunks(\"\(new.path)/lib/risky-2/ebin/risky_api.beam\", [exports]), io:format(\"~p\", [lists:member({old_fun, 0}, E)])")
        #expect(exports == "false")
    }

    @Test func checkFailsOnErrorsUntilEachIsAccepted() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, _) = try Self.pair(in: directory, debugInfo: true)
        // --native-code refuse: module loads kept, and the NIF is an error like the others.
        let refuse = ["--native-code", "refuse"]
        #expect(try Products.run("relswap", ["generate-appups", "--previous", old.path, "--current", new.path] + refuse).status == 0)
        let failing = try Products.run("relswap", ["generate-appups", "--previous", old.path, "--current", new.path, "--check"] + refuse)
        #expect(failing.status == 3)
        for code in ["native_code_changed", "state_changed", "code_change_no_match", "calls_break"] {
            #expect(failing.standardError.contains("risk \(code) in risky"), "\(code): \(failing.standardError)")
        }
        #expect(!failing.standardError.contains("behaviour_changed"), "a warning does not fail the gate")
        let accepts = ["native_code_changed:risky_nif", "state_changed:risky_state", "code_change_no_match:risky_vsn", "calls_break:risky_caller"]
        let passing = try Products.run("relswap", ["generate-appups", "--previous", old.path, "--current", new.path, "--check"] + refuse + accepts.flatMap { ["--accept", $0] })
        #expect(passing.status == 0, "\(passing.standardError)")
        let accepted = try Self.risks(["--previous", old.path, "--current", new.path] + refuse + accepts.flatMap { ["--accept", $0] })
        #expect(accepted.filter { $0["level"] as? String == "error" }.allSatisfy { $0["accepted"] as? Bool == true })
        // The same accepts in the overrides directory's accept.config.
        let overrides = directory.appendingPathComponent("appups")
        try FileManager.default.createDirectory(at: overrides, withIntermediateDirectories: true)
        try "{accept, [\(accepts.map { "\"\($0)\"" }.joined(separator: ", "))]}.\n".write(to: overrides.appendingPathComponent("accept.config"), atomically: true, encoding: .utf8)
        let fromFile = try Products.run("relswap", ["generate-appups", "--previous", old.path, "--current", new.path, "--check", "--overrides", overrides.path] + refuse)
        #expect(fromFile.status == 0, "\(fromFile.standardError)")
    }

    /// By default an application whose native code changed is restarted by the upgrade (said in the plan), which
    /// systools accepts and which covers every module.
    @Test func changedNativeCodeRestartsTheApplicationByDefault() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, _) = try Self.pair(in: directory, debugInfo: true)
        let result = try Products.run("relswap", ["generate-appups", "--previous", old.path, "--current", new.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("risky: its native code changed, so the appup restarts it ({restart_application, risky})"))
        let appup = try #require(try TermReader.consult(path: new.appendingPathComponent("lib/risky-2/ebin/risky.appup").path).first?.tupleElements)
        #expect(TermWriter.render(appup[1]) == "[{\"1\",[{restart_application,risky}]}]" && TermWriter.render(appup[2]) == "[{\"1\",[{restart_application,risky}]}]")
        let relup = try AppupSupport.makeRelup(old: old, oldVersion: "1", new: new, newVersion: "2", name: "risky", in: directory)
        #expect(TermWriter.render(relup).contains("{apply,{application,stop,[risky]}}"), "systools restarts it")
    }

    /// Stripped beams: the checks that need abstract code say "unknown", never "no risk"; the build's beams, matched
    /// by md5, bring the real findings back.
    @Test func withoutDebugInfoTheChecksSayUnknownUntilDebugInfoFromIsGiven() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, _) = try Self.pair(in: directory, debugInfo: false)
        let stripped = Self.codes(try Self.risks(["--previous", old.path, "--current", new.path]))
        #expect(stripped.contains("info unknown risky_state") && stripped.contains("info unknown risky_vsn"), "\(stripped)")
        #expect(!stripped.contains { $0.contains("state_changed") || $0.contains("code_change_no_match") })
        #expect(stripped.contains("error calls_break risky_caller") && stripped.contains("error native_code_changed risky_nif"), "these need no debug info")
        // The same sources built with debug info, elsewhere: same md5, so they stand in for the stripped beams.
        let build = directory.appendingPathComponent("build")
        for version in [1, 2] {
            try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("risky/v\(version)"), libDirectory: build.appendingPathComponent("v\(version)"),
                                                    version: String(version), erlcOptions: ["+debug_info"])
        }
        let found = Self.codes(try Self.risks(["--previous", old.path, "--current", new.path, "--debug-info-from", build.path]))
        #expect(found.contains("error state_changed risky_state") && found.contains("error code_change_no_match risky_vsn"), "\(found)")
        #expect(!found.contains { $0.hasPrefix("info unknown") })
    }

    @Test func aGoodUpgradeHasNoErrorRisk() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try AppupSupport.release("counter", version: 1, at: directory.appendingPathComponent("old"), in: directory)
        let new = try AppupSupport.release("counter", version: 2, at: directory.appendingPathComponent("new"), in: directory)
        let risks = try Self.risks(["--previous", old.path, "--current", new.path])
        #expect(!risks.contains { $0["level"] as? String == "error" }, "\(Self.codes(risks))")
    }

    /// An unchanged application's module calls what the upgrade removes: found (from the beams' heads and import
    /// tables), and exactly what OTP's xref calls undefined in the new release.
    @Test func aCallFromAnUnchangedApplicationThatBreaksIsFound() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var roots = [URL]()
        for version in [1, 2] {
            let lib = directory.appendingPathComponent("lib\(version)")
            // Debug info for xref's sake: the finding itself needs only the import tables.
            try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("broken-callers/provider/v\(version)"), libDirectory: lib, version: String(version),
                                                    erlcOptions: ["+debug_info"])
            for app in ["client", "bystander"] {
                try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("broken-callers/\(app)/v1"), libDirectory: lib, version: "1", erlcOptions: ["+debug_info"])
            }
            let root = directory.appendingPathComponent("callers_\(version)")
            let result = try Products.run("relswap", ["generate", "--no-erts", "--name", "callers", "--release-version", String(version), "--app", "provider",
                                                      "--app", "client", "--app", "bystander", "--lib-dir", lib.path, "--target-dir", root.path])
            try #require(result.status == 0, "\(result.standardError)")
            roots.append(root)
        }
        let risks = try Self.risks(["--previous", roots[0].path, "--current", roots[1].path]).filter { $0["code"] as? String == "calls_break" }
        let found = risks.map { "\($0["application"] as? String ?? "") \($0["module"] as? String ?? ""): \($0["seen"] as? String ?? "")" }
        #expect(found.count == 1 && found[0].hasPrefix("client client_user: client_user calls provider_api:old_fun/0"), "\(found)")
        // OTP's xref on the new release: the undefined calls into the release's own modules.
        let ebins = ["provider-2", "client-1", "bystander-1"].map { "\"\(roots[1].path)/lib/\($0)/ebin\"" }.joined(separator: ", ")
        let xref = try ErlangOracle.evaluate("""
            {ok, _} = xref:start(s), xref:set_default(s, [{warnings, false}, {verbose, false}]),
            [{ok, _} = xref:add_directory(s, D) || D <- [\(ebins)]],
            {ok, Calls} = xref:analyze(s, undefined_function_calls),
            io:format("~p", [[{M, To} || {{M, _, _}, {ToM, _, _} = To} <- Calls, lists:member(ToM, [provider_api])]])
            """)
        #expect(xref == "[{client_user,{provider_api,old_fun,0}}]")
    }

    /// `moving` leaves alpha for beta: a warning saying what the relup does, in the .rel's order.
    @Test func aModuleMovingBetweenApplicationsIsAWarning() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var roots = [URL]()
        for version in [1, 2] {
            let lib = directory.appendingPathComponent("lib\(version)")
            for app in ["alpha", "beta"] {
                try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("moved/\(app)/v\(version)"), libDirectory: lib, version: String(version))
            }
            let root = directory.appendingPathComponent("moved_\(version)")
            let result = try Products.run("relswap", ["generate", "--no-erts", "--name", "moved", "--release-version", String(version),
                                                      "--app", "alpha", "--app", "beta", "--lib-dir", lib.path, "--target-dir", root.path])
            try #require(result.status == 0, "\(result.standardError)")
            roots.append(root)
        }
        let risks = try Self.risks(["--previous", roots[0].path, "--current", roots[1].path])
        let moved = try #require(risks.first { $0["code"] as? String == "module_moved" }, "\(Self.codes(risks))")
        #expect(moved["level"] as? String == "warning" && moved["module"] as? String == "moving" && moved["application"] as? String == "beta")
        #expect((moved["seen"] as? String)?.contains("moving moves from alpha to beta") == true)
    }

    /// A mix release strips debug info: the struct check is "unknown" until the build's beams are given. The deleted
    /// protocol implementation is found either way, and --check fails until both are accepted.
    @Test func anElixirStructChangeAndARemovedProtocolImplementationAreFound() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        var environment = nodes.environment
        environment["MIX_ENV"] = "prod"
        let project = directory.appendingPathComponent("tally")
        try FileManager.default.copyItem(at: ErlangBuild.fixture("tally/v1"), to: project)
        let mix = try ErlangOracle.executable("mix")
        try #require(try ErlangOracle.runCapturing(mix, ["release"], environment: environment, currentDirectory: project).status == 0)
        let root = project.appendingPathComponent("_build/prod/rel/tally")
        // The release itself says whether String.Chars dispatches on a Tally.Reading (its consolidated protocol).
        let dispatch = "IO.inspect(String.Chars.impl_for(%Tally.Reading{}))"
        let before = try ErlangOracle.runCapturing(root.appendingPathComponent("bin/tally").path, ["eval", dispatch], environment: environment)
        #expect(before.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "String.Chars.Tally.Reading", "\(before.standardError)")
        for file in ["mix.exs", "lib/tally/server.ex", "lib/tally/reading.ex"] {
            try FileManager.default.removeItem(at: project.appendingPathComponent(file))
            try FileManager.default.copyItem(at: ErlangBuild.fixture("tally/v2/\(file)"), to: project.appendingPathComponent(file))
        }
        // The build of version 1 is kept aside: _build/prod/lib holds only the newest.
        let buildOne = directory.appendingPathComponent("build-0.1.0")
        try FileManager.default.copyItem(at: project.appendingPathComponent("_build/prod/lib/tally"), to: buildOne)
        try #require(try ErlangOracle.runCapturing(mix, ["release", "--overwrite"], environment: environment, currentDirectory: project).status == 0)
        let after = try ErlangOracle.runCapturing(root.appendingPathComponent("bin/tally").path, ["eval", dispatch], environment: environment)
        #expect(after.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "nil", "\(after.standardError)")
        let stripped = Self.codes(try Self.risks(["--current", root.path]))
        #expect(stripped.contains("info unknown Elixir.Tally.Server"), "\(stripped)")
        #expect(stripped.contains("error calls_break Elixir.String.Chars.Tally.Reading"), "\(stripped)")
        let found = try Self.risks(["--current", root.path, "--debug-info-from", project.appendingPathComponent("_build/prod/lib").path,
                                     "--debug-info-from", buildOne.path])
        let state = try #require(found.first { $0["code"] as? String == "state_changed" }, "\(Self.codes(found))")
        #expect(state["module"] as? String == "Elixir.Tally.Server")
        #expect((state["seen"] as? String)?.contains("the struct went from {count} to {count, last}") == true, "\(state)")
        let implementation = try #require(found.first { $0["code"] as? String == "calls_break" }, "\(Self.codes(found))")
        #expect(implementation["module"] as? String == "Elixir.String.Chars.Tally.Reading" && implementation["application"] as? String == "tally")
        #expect((implementation["seen"] as? String)?.contains("the implementation of String.Chars for Tally.Reading is deleted") == true, "\(implementation)")
        // The gate: --check fails on both errors, and passes once both are accepted.
        let debugInfo = ["--debug-info-from", project.appendingPathComponent("_build/prod/lib").path, "--debug-info-from", buildOne.path]
        #expect(try Products.run("relswap", ["generate-appups", "--current", root.path] + debugInfo).status == 0)
        let gate = ["generate-appups", "--check", "--current", root.path] + debugInfo
        let failing = try Products.run("relswap", gate)
        #expect(failing.status == 3, "\(failing.standardError)")
        #expect(failing.standardError.contains("risk calls_break in tally") && failing.standardError.contains("risk state_changed in tally"), "\(failing.standardError)")
        let passing = try Products.run("relswap", gate + ["--accept", "calls_break:Elixir.String.Chars.Tally.Reading", "--accept", "state_changed:Elixir.Tally.Server"])
        #expect(passing.status == 0, "\(passing.standardError)")
    }
}
