import ErlangTerm
import Foundation
import TestSupport
import Testing

@Suite struct AppupBehaviourTests {
    /// Two counter releases, old and new, in their own roots.
    static func counterPair(in directory: URL) throws -> (old: URL, new: URL, appup: URL) {
        let old = try AppupSupport.release("counter", version: 1, at: directory.appendingPathComponent("old"), in: directory)
        let new = try AppupSupport.release("counter", version: 2, at: directory.appendingPathComponent("new"), in: directory)
        return (old, new, new.appendingPathComponent("lib/counter-2/ebin/counter.appup"))
    }

    static let handWritten = "{\"2\", [{\"1\", [{load_module, counter}]}], [{\"1\", [{load_module, counter}]}]}.\n"

    @Test func aHandWrittenAppupCoveringTheOldVersionIsKeptUnlessForced() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, appup) = try Self.counterPair(in: directory)
        try Self.handWritten.write(to: appup, atomically: true, encoding: .utf8)
        let kept = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path])
        #expect(kept.status == 0)
        #expect(kept.standardOutput.contains("kept \(appup.path) (it covers 1; --force regenerates it)"))
        #expect(try String(contentsOf: appup, encoding: .utf8) == Self.handWritten)

        let forced = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--force"])
        #expect(forced.status == 0)
        #expect(try String(contentsOf: appup, encoding: .utf8).contains("{update,counter,{advanced,[]},[]}"))
    }

    @Test func anAppupForOtherVersionsKeepsThemAndGetsOurs() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, appup) = try Self.counterPair(in: directory)
        try "{\"2\", [{<<\"0\\\\..*\">>, [restart_application_placeholder]}], [{<<\"0\\\\..*\">>, []}]}.\n".write(to: appup, atomically: true, encoding: .utf8)
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path])
        #expect(result.status == 0, "\(result.standardError)")
        let term = try #require(try TermReader.consult(path: appup.path).first?.tupleElements)
        #expect(term[1].listElements?.count == 2, "ours for 1, and the file's own for 0.*")
        #expect(term[1].listElements?.first?.tupleElements?.first == "1")
    }

    @Test func overridesReplaceAModulesInstructionAndAddTheirOwn() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, appup) = try Self.counterPair(in: directory)
        let overrides = directory.appendingPathComponent("appups")
        try FileManager.default.createDirectory(at: overrides, withIntermediateDirectories: true)
        try """
            {"2",
             [{"1", [{update, counter, {advanced, from_override}, []}, {apply, {counter, announce, []}}]}],
             [{<<"1.*">>, {replace, [{load_module, counter}]}}]}.
            """.write(to: overrides.appendingPathComponent("counter.appup"), atomically: true, encoding: .utf8)
        // ./appups is found without the option.
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path], in: directory)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("with \(overrides.path)/counter.appup"))
        let term = try #require(try TermReader.consult(path: appup.path).first?.tupleElements)
        #expect(TermWriter.render(term[1]) == #"[{"1",[{update,counter,{advanced,from_override},[]},{apply,{counter,announce,[]}}]}]"#)
        #expect(TermWriter.render(term[2]) == #"[{"1",[{load_module,counter}]}]"#)
    }

    @Test func checkFailsWhenTheAppupInUseMissesAChangedModule() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try AppupSupport.release("coverage", version: 1, name: "cov", at: directory.appendingPathComponent("old"), in: directory)
        let new = try AppupSupport.release("coverage", version: 2, name: "cov", at: directory.appendingPathComponent("new"), in: directory)
        let appup = new.appendingPathComponent("lib/cov-2/ebin/cov.appup")
        // Without an appup, generate-upgrade would refuse: so does the gate, and it writes nothing.
        let missing = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--check"])
        #expect(missing.status == 3)
        #expect(missing.standardError.contains("\(appup.path): application cov changed from 1 to 2 but has no appup"))
        #expect(!FileManager.default.fileExists(atPath: appup.path))
        // Once generated, it passes.
        #expect(try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path]).status == 0)
        let passing = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--check"])
        #expect(passing.status == 0, "\(passing.standardError)")
        #expect(passing.standardOutput.contains("check: every upgraded application has an appup that covers each changed, added and deleted module, and the relup builds"))
        // A hand-written appup that forgets modules: exit 3, each gap named.
        try "{\"2\", [{\"1\", [{load_module, cov_lib}, {update, cov_server, {advanced, []}}]}], [{\"1\", []}]}.\n"
            .write(to: appup, atomically: true, encoding: .utf8)
        let failing = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--check"])
        #expect(failing.status == 3)
        #expect(failing.standardError.contains("\(appup.path): module cov_worker of cov changed, but the upgrade from 1 has no instruction for it"))
        #expect(failing.standardError.contains("module cov_deleted of cov was deleted, but the upgrade from 1 has no instruction for it"))
        #expect(failing.standardError.contains("module cov_lib of cov changed, but the downgrade to 1 has no instruction for it"))
        #expect(!failing.standardError.contains("module cov_lib of cov changed, but the upgrade"))
    }

    /// Each appup that generate-upgrade refuses, --check refuses first, by a named problem with a stable code.
    @Test(arguments: [
        ("unknown_module", #"{"2", [{"1", [{load_module, counter}, {load_module, no_such_module}]}], [{"1", [{load_module, counter}]}]}."#,
         "names module no_such_module, which counter 2 does not have"),
        ("malformed_instruction", #"{"2", [{"1", [{load_module, counter}, {update, counter, {advanced, []}, bad_deps}]}], [{"1", [{load_module, counter}]}]}."#,
         "malformed instruction {update,counter,{advanced,[]},bad_deps}"),
        ("no_entry", #"{"2", [{"1.0", [{load_module, counter}]}], [{"1", [{load_module, counter}]}]}."#,
         "the upgrade list has no entry for 1 (it has \"1.0\")"),
        ("malformed_appup", #"{"2", [{"1", [{load_module, counter}]}]}."#, "malformed appup"),
    ])
    func checkRefusesWhatGenerateUpgradeRefuses(code: String, appupText: String, message: String) throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, appup) = try Self.counterPair(in: directory)
        try (appupText + "\n").write(to: appup, atomically: true, encoding: .utf8)
        let check = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--check", "--json"])
        #expect(check.status == 3, "\(check.standardError)")
        #expect(check.standardError.contains(message), "\(check.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(check.standardOutput.utf8)) as? [String: Any])
        let problems = try #require(report["problems"] as? [[String: Any]])
        #expect(problems.contains { $0["code"] as? String == code }, "\(problems)")
        // The independent side: generate-upgrade (the relup systools would make) refuses the same appup.
        let upgrade = try AppupSupport.relswap(["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", directory.path])
        #expect(upgrade.status != 0)
        #expect(try String(contentsOf: appup, encoding: .utf8) == appupText + "\n", "--check wrote nothing")
    }

    /// rebar's convention: a hand-written src/<app>.appup.src is consulted, checked, and written to ebin/<app>.appup;
    /// the plan shows its instructions, not generated ones.
    @Test func anAppupSrcIsHonouredAndItsInstructionsShown() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, appup) = try Self.counterPair(in: directory)
        let source = new.appendingPathComponent("lib/counter-2/src/counter.appup.src")
        try FileManager.default.createDirectory(at: source.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AppupSourceFixture.text.write(to: source, atomically: true, encoding: .utf8)
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let written = try #require(try TermReader.consult(path: appup.path).first)
        #expect(written == (try TermReader.consult(path: source.path).first), "ebin/counter.appup holds the .appup.src's term")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let application = try #require((plan["applications"] as? [[String: Any]])?.first)
        #expect(application["source"] as? String == "appup_src")
        #expect(application["source_file"] as? String == source.path)
        #expect((application["instructions"] as? [String: [String]])?["up"]?.last == "{apply,{application,set_env,[counter,upgraded_by,appup_src]}}")
        // The generated instruction's warning is not given: it is not what runs.
        #expect((plan["warnings"] as? [[String: Any]])?.isEmpty == true)

        // A malformed .appup.src is refused with the file named, and nothing is written.
        try FileManager.default.removeItem(at: appup)
        try "{\"2\", [{\"1\", [{load_module}]}], []}.\n".write(to: source, atomically: true, encoding: .utf8)
        let refused = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("\(source.path): upgrade \"1\": malformed instruction {load_module}"))
        #expect(!FileManager.default.fileExists(atPath: appup.path))
    }

    /// --previous is relative to the working directory; rebar2's previous_release= to the current release's parent.
    @Test func previousPathsAreResolvedAsEachSpellingPromises() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try Self.counterPair(in: directory)
        let fromHere = try AppupSupport.relswap(["generate-appups", "--previous", "old", "--current", "new", "--dry-run"], in: directory)
        #expect(fromHere.status == 0, "\(fromHere.standardError)")
        let elsewhere = directory.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let rebar2 = try AppupSupport.relswap(["generate-appups", "previous_release=old", "--current", "../new", "--dry-run"], in: elsewhere)
        #expect(rebar2.status == 0, "\(rebar2.standardError)")
        #expect(rebar2.standardOutput.hasPrefix("Appups for counter 1 -> 2"))
    }

    @Test func dryRunPrintsThePlanAndWritesNothing() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, appup) = try Self.counterPair(in: directory)
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--dry-run"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("changed  counter: {update,counter,{advanced,[]},[]} (exports code_change/3 (gen_server)"))
        #expect(!FileManager.default.fileExists(atPath: appup.path))
    }

    /// Both versions in one root, as relx and mix keep them; the default versions are the permanent one and the
    /// newer one, even when the build tool already made the newer one permanent.
    @Test(arguments: ["1", "2"])
    func bothVersionsInOneRoot(permanent: String) throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, _) = try Self.counterPair(in: directory)
        let files = FileManager.default
        try files.copyItem(at: new.appendingPathComponent("lib/counter-2"), to: old.appendingPathComponent("lib/counter-2"))
        try files.copyItem(at: new.appendingPathComponent("releases/2"), to: old.appendingPathComponent("releases/2"))
        let erts = try String(contentsOf: old.appendingPathComponent("releases/start_erl.data"), encoding: .utf8).split(separator: " ")[0]
        try "\(erts) \(permanent)".write(to: old.appendingPathComponent("releases/start_erl.data"), atomically: true, encoding: .utf8)
        let result = try AppupSupport.relswap(["generate-appups", "--current", old.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("Appups for counter 1 -> 2"))
        #expect(files.fileExists(atPath: old.appendingPathComponent("lib/counter-2/ebin/counter.appup").path))
    }
}

/// Bad input: a clear error, a non-zero exit, and no appup written.
@Suite struct AppupErrorTests {
    @Test func aPathThatIsNotARelease() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try AppupSupport.relswap(["generate-appups", "--previous", directory.path, "--current", directory.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(directory.path): is not a release: it has no lib/ directory"))
    }

    @Test func aMissingRelAndTheSameVersionOnBothSides() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, appup) = try AppupBehaviourTests.counterPair(in: directory)
        let missing = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--from-version", "9"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("\(old.path)/releases/9: has no .rel file; versions here: 1"))
        let same = try AppupSupport.relswap(["generate-appups", "--previous", new.path, "--current", new.path])
        #expect(same.status == 1)
        #expect(same.standardError.contains("both sides are version 2 of counter"))
        #expect(!FileManager.default.fileExists(atPath: appup.path))
    }

    @Test func releasesWithDifferentNames() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try AppupSupport.release("counter", version: 1, name: "counter", at: directory.appendingPathComponent("old"), in: directory)
        let new = try AppupSupport.release("counter", version: 2, name: "tally", at: directory.appendingPathComponent("new"), in: directory)
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("the releases have different names: counter"))
    }

    @Test func aCorruptBeam() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new, appup) = try AppupBehaviourTests.counterPair(in: directory)
        let beam = new.appendingPathComponent("lib/counter-2/ebin/counter.beam")
        let bytes = try Data(contentsOf: beam)
        try bytes.prefix(bytes.count / 2).write(to: beam)
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(beam.path): chunk"))
        #expect(!FileManager.default.fileExists(atPath: appup.path))
    }

    @Test func modulesChangedWithoutANewVersion() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Release 2 keeps counter at vsn 1 but with version 2's code.
        let old = try AppupSupport.release("counter", version: 1, at: directory.appendingPathComponent("old"), in: directory)
        let new = try AppupSupport.release("counter", version: 2, at: directory.appendingPathComponent("new"), in: directory)
        let files = FileManager.default
        try files.moveItem(at: new.appendingPathComponent("lib/counter-2"), to: new.appendingPathComponent("lib/counter-1"))
        let app = new.appendingPathComponent("lib/counter-1/ebin/counter.app")
        try String(contentsOf: app, encoding: .utf8).replacingOccurrences(of: "{vsn,\"2\"}", with: "{vsn,\"1\"}").write(to: app, atomically: true, encoding: .utf8)
        let rel = new.appendingPathComponent("releases/2/counter.rel")
        try String(contentsOf: rel, encoding: .utf8).replacingOccurrences(of: "{counter,\"2\"}", with: "{counter,\"1\"}").write(to: rel, atomically: true, encoding: .utf8)
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path])
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("application counter keeps version 1, but its modules changed: counter"))
        #expect(result.standardError.contains("bump counter's vsn, or pass --accept-rebuilt counter"))
        // The way forward, said in the plan: accepted, with the consequence named.
        let accepted = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--accept-rebuilt", "counter", "--json"])
        #expect(accepted.status == 0, "\(accepted.standardError)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(accepted.standardOutput.utf8)) as? [String: Any])
        let warning = try #require((plan["warnings"] as? [[String: Any]])?.first)
        #expect(warning["code"] as? String == "rebuilt_same_version" && warning["application"] as? String == "counter")
        #expect((warning["message"] as? String)?.contains("the node keeps the previous build's code of counter until it restarts") == true)
    }
}
