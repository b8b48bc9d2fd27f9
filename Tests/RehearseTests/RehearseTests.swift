import ErlangTerm
import Foundation
import TestSupport
import Testing

/// relswap rehearse on real releases: good upgrades rehearse green with every check shown, and each kind of broken
/// upgrade fails with the check that catches it. The sandbox's node is the oracle; the user's tree stays untouched
/// and nothing is left running.
@Suite(.serialized, .timeLimit(.minutes(4))) struct RehearseTests {
    struct Outcome {
        var status: Int32
        var report: [String: Any]
        var text: String
        /// Every check of every step, as "step/check".
        var failed: [String] {
            ((report["steps"] as? [[String: Any]]) ?? []).flatMap { step in
                ((step["checks"] as? [[String: Any]]) ?? []).filter { $0["ok"] as? Bool == false }.map { "\(step["name"] ?? "")/\($0["name"] ?? "")" }
            }
        }
        func detail(_ step: String, _ check: String) -> String {
            let steps = (report["steps"] as? [[String: Any]]) ?? []
            let checks = (steps.first { $0["name"] as? String == step }?["checks"] as? [[String: Any]]) ?? []
            return checks.filter { $0["name"] as? String == check }.compactMap { $0["detail"] as? String }.joined(separator: "; ")
        }
    }

    static func rehearse(_ release: LiveRelease, _ extra: [String] = []) throws -> Outcome {
        let result = try Products.run("relswap", ["rehearse", "--previous", release.running.path, "--current", release.next.path, "--json"] + extra)
        let report = (try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]) ?? [:]
        // Nothing left running or on disk of the sandbox, nothing written in the user's tree.
        let sandbox = try #require(report["sandbox"] as? String, "\(result.standardOutput.prefix(500)) \(result.standardError)")
        #expect(NodeEnvironment.processes(mentioning: sandbox).isEmpty, "the sandbox's processes are gone")
        #expect(!FileManager.default.fileExists(atPath: sandbox), "the sandbox is removed")
        #expect(!FileManager.default.fileExists(atPath: release.next.appendingPathComponent("releases/2/relup").path), "no relup written outside the sandbox")
        return Outcome(status: result.status, report: report, text: result.standardOutput + result.standardError)
    }

    @Test func aGoodUpgradeRehearsesGreenWithEveryCheckShown() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let release = try LiveRelease(fixture: "counter", name: "counter", in: directory, nodes: nodes)
        let outcome = try Self.rehearse(release, ["--check-script", "test -n \"$RELSWAP_NODE\" && test -n \"$RELSWAP_COOKIE\""])
        #expect(outcome.status == 0, "\(outcome.text)")
        #expect(outcome.report["ok"] as? Bool == true)
        let steps = (outcome.report["steps"] as? [[String: Any]]) ?? []
        #expect(steps.map { $0["name"] as? String ?? "" } == ["boot", "build", "upgrade", "downgrade", "upgrade again", "make permanent", "cold boot"])
        let upgradeChecks = Set(((steps.first { $0["name"] as? String == "upgrade" }?["checks"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
        #expect(upgradeChecks == ["code", "processes", "supervision", "user"])
        #expect(outcome.detail("cold boot", "parity").contains("the same"), "\(outcome.detail("cold boot", "parity"))")
        #expect(!FileManager.default.fileExists(atPath: release.next.appendingPathComponent("lib/counter-2/ebin/counter.appup").path), "no appup written outside the sandbox")
    }

    /// --archive: the upgrade generate-upgrade made, rehearsed as it is (nothing rebuilt in the sandbox).
    @Test func aGivenArchiveIsRehearsedAsItIs() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let release = try LiveRelease(fixture: "counter", name: "counter", in: directory, nodes: nodes)
        let archive = try release.buildUpgrade(into: directory.appendingPathComponent("out"))
        try FileManager.default.removeItem(at: release.next.appendingPathComponent("releases/2/relup"))
        let outcome = try Self.rehearse(release, ["--archive", archive.path])
        #expect(outcome.status == 0, "\(outcome.text.prefix(3000))")
        #expect(outcome.report["to"] as? String == "2")
        #expect(outcome.detail("build", "step").hasPrefix("counter_2.tar.gz"))
    }

    /// A hand-written appup that leaves the changed module out: the node keeps running version 1's counter.
    @Test func anAppupThatLeavesAModuleOutFailsTheCodeCheck() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let release = try LiveRelease(fixture: "counter", name: "counter", in: directory, nodes: nodes)
        try "{\"2\", [{\"1\", []}], [{\"1\", []}]}.\n".write(to: release.next.appendingPathComponent("lib/counter-2/ebin/counter.appup"), atomically: true, encoding: .utf8)
        let outcome = try Self.rehearse(release)
        #expect(outcome.status == 1)
        #expect(outcome.failed.first == "upgrade/code", "\(outcome.failed)")
        #expect(outcome.detail("upgrade", "code").contains("not on version 2's code: counter (counter)"), "\(outcome.detail("upgrade", "code"))")
    }

    /// A code_change that crashes: the install fails, and the report says so with the node's crash report.
    @Test func aCrashingCodeChangeFailsTheInstall() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let broken = directory.appendingPathComponent("fixture")
        try FileManager.default.copyItem(at: ErlangBuild.fixture("counter"), to: broken)
        let source = broken.appendingPathComponent("v2/src/counter.erl")
        try String(contentsOf: source, encoding: .utf8).replacingOccurrences(of: "code_change(1, Count, _Extra) -> {ok, Count + 1000};",
                                                                             with: "code_change(1, _Count, _Extra) -> erlang:error(boom_in_code_change);")
            .write(to: source, atomically: true, encoding: .utf8)
        let release = try LiveRelease(fixture: broken.path, name: "counter", in: directory, nodes: nodes)
        let outcome = try Self.rehearse(release)
        #expect(outcome.status == 1)
        #expect(outcome.failed.first == "upgrade/step", "\(outcome.failed)")
        #expect(outcome.detail("upgrade", "step").contains("install_release"), "\(outcome.detail("upgrade", "step"))")
        let steps = (outcome.report["steps"] as? [[String: Any]]) ?? []
        let reports = (steps.first { $0["name"] as? String == "upgrade" }?["reports"] as? [String]) ?? []
        #expect(reports.contains { $0.contains("boom_in_code_change") } || outcome.detail("upgrade", "step").contains("boom_in_code_change"), "\(reports)")
    }

    /// kinder without debug info: the appup cannot carry the child instructions, so the removed worker keeps running
    /// on deleted code and the added one never starts. With debug info the same pair rehearses green.
    @Test(arguments: [false, true])
    func supervisorChildrenWithAndWithoutTheirInstructions(debugInfo: Bool) throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let release = try LiveRelease(fixture: "kinder", name: "kinder", in: directory, nodes: nodes, erlcOptions: debugInfo ? ["+debug_info"] : [])
        let outcome = try Self.rehearse(release)
        if debugInfo {
            #expect(outcome.status == 0, "\(outcome.failed) \(outcome.text.prefix(2000))")
        } else {
            #expect(outcome.status == 1)
            #expect(outcome.failed.contains("upgrade/supervision") || outcome.failed.contains("upgrade/processes"), "\(outcome.failed)")
            #expect(outcome.detail("upgrade", "supervision").contains("kinder_new") || outcome.detail("upgrade", "processes").contains("kinder"),
                    "\(outcome.detail("upgrade", "supervision")) / \(outcome.detail("upgrade", "processes"))")
        }
    }

    /// v2 starts runtime_tools at boot (v1 only loaded it); the relup has nothing for an application whose version
    /// did not change, so only a cold boot starts it: parity fails.
    @Test func aColdBootThatDiffersFromTheHotUpgradeFailsParity() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let release = try LiveRelease(fixture: "counter", name: "counter", in: directory, nodes: nodes, extraApplications: ["runtime_tools"])
        // Version 1 only loads runtime_tools: its .rel says so, and systools makes its boot file from it.
        let rel = release.running.appendingPathComponent("releases/1/counter.rel")
        let text = try String(contentsOf: rel, encoding: .utf8)
        let edited = text.replacingOccurrences(of: #"(\{runtime_tools,"[^"]+")\}"#, with: "$1,load}", options: .regularExpression)
        #expect(edited != text)
        try edited.write(to: rel, atomically: true, encoding: .utf8)
        let made = try ErlangOracle.evaluate("""
            io:format("~p", [systools:make_script("\(rel.deletingPathExtension().path)", [{path, ["\(release.running.path)/lib/*/ebin"]}, \
            {outdir, "\(release.running.appendingPathComponent("releases/1").path)"}, silent, no_warn_sasl])])
            """)
        try #require(made.hasPrefix("ok") || made.hasPrefix("{ok"), "\(made)")
        // systools names the boot file after the .rel; bin/counter boots start.boot.
        let boot = release.running.appendingPathComponent("releases/1/start.boot")
        try FileManager.default.removeItem(at: boot)
        try FileManager.default.moveItem(at: release.running.appendingPathComponent("releases/1/counter.boot"), to: boot)
        let outcome = try Self.rehearse(release)
        #expect(outcome.status == 1)
        #expect(outcome.failed == ["cold boot/parity"], "\(outcome.failed)")
        #expect(outcome.detail("cold boot", "parity").contains("running after the cold boot but not after the hot upgrade: runtime_tools"))
    }
}

/// The other fixtures: snowflake under HTTP load with a URL check, a mix release (anemone) and a rebar3/relx one.
@Suite(.serialized, .timeLimit(.minutes(6))) struct RehearseBuildToolTests {
    @Test func snowflakeRehearsesGreenUnderLoad() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try NodeEnvironment.freePort()
        var roots = [URL]()
        for version in [1, 2] {
            let project = directory.appendingPathComponent("snowflake-v\(version)")
            try FileManager.default.copyItem(at: ErlangBuild.fixture("snowflake/v\(version)"), to: project)
            try ErlangBuild.compile(project, into: project)
            let sysConfig = project.appendingPathComponent("rel/files/sys.config")
            try String(contentsOf: sysConfig, encoding: .utf8).replacingOccurrences(of: "{port, 8080}", with: "{port, \(port)}")
                .write(to: sysConfig, atomically: true, encoding: .utf8)
            let target = directory.appendingPathComponent("rel/snowflake\(version == 1 ? "" : "_2")")
            let result = try Products.run("relswap", ["generate", "--no-erts", "--target-dir", target.path], currentDirectory: project.appendingPathComponent("rel"))
            try #require(result.status == 0, "\(result.standardError)")
            roots.append(target)
        }
        func rehearse(_ extra: [String]) throws -> (status: Int32, steps: [[String: Any]], text: String) {
            let result = try Products.run("relswap", ["rehearse", "--previous", roots[0].path, "--current", roots[1].path, "--json"] + extra)
            let report = (try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]) ?? [:]
            return (result.status, (report["steps"] as? [[String: Any]]) ?? [], result.standardOutput + result.standardError)
        }
        func checks(_ steps: [[String: Any]], _ name: String) -> [[String: Any]] {
            steps.flatMap { ($0["checks"] as? [[String: Any]]) ?? [] }.filter { $0["name"] as? String == name }
        }
        // Green: requests keep coming through every install step (an unknown user is a 404: served, not failed).
        let green = try rehearse(["--check-call", "erlang:is_alive", "--load-url", "http://127.0.0.1:\(port)/users/none"])
        #expect(green.status == 0, "\(green.text.prefix(3000))")
        let loads = checks(green.steps, "load")
        #expect(loads.count == 3, "load checked in each of the three install steps")
        #expect(loads.allSatisfy { $0["ok"] as? Bool == true && ($0["detail"] as? String)?.hasSuffix(", 0 failed") == true }, "\(loads)")
        let requests = green.steps.compactMap { $0["requests"] as? [String: Any] }.compactMap { $0["sent"] as? Int }
        #expect(requests.count == 3 && requests.allSatisfy { $0 > 0 }, "\(requests)")
        // A URL check that does not answer 2xx fails the step it is run after (here the boot).
        let red = try rehearse(["--check-url", "http://127.0.0.1:\(port)/users/none"])
        #expect(red.status == 1)
        #expect(checks(red.steps, "user").first?["detail"] as? String == "GET http://127.0.0.1:\(port)/users/none answered 404")
    }

    static func rehearseOneRoot(_ root: URL, environment: [String: String] = [:]) throws -> (status: Int32, report: [String: Any], text: String) {
        let result = try Products.run("relswap", ["rehearse", "--current", root.path, "--json"], environment: environment)
        let report = (try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]) ?? [:]
        return (result.status, report, result.standardOutput + result.standardError)
    }

    /// anemone, both versions built by `mix release` into one root: the Counter's code_change, the consolidated
    /// protocols and mix's own start script, all in the sandbox.
    @Test func aMixReleaseRehearsesGreen() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        var environment = nodes.environment
        environment["MIX_ENV"] = "prod"
        let project = directory.appendingPathComponent("anemone")
        try FileManager.default.copyItem(at: ErlangBuild.fixture("anemone/v1"), to: project)
        let mix = try ErlangOracle.executable("mix")
        try #require(try ErlangOracle.runCapturing(mix, ["release"], environment: environment, currentDirectory: project).status == 0)
        for file in ["mix.exs", "lib/anemone/counter.ex", "lib/anemone/describe.ex", "lib/anemone/reading.ex"] {
            try? FileManager.default.removeItem(at: project.appendingPathComponent(file))
            try FileManager.default.copyItem(at: ErlangBuild.fixture("anemone/v2/\(file)"), to: project.appendingPathComponent(file))
        }
        try #require(try ErlangOracle.runCapturing(mix, ["release", "--overwrite"], environment: environment, currentDirectory: project).status == 0)
        let root = project.appendingPathComponent("_build/prod/rel/anemone")
        let outcome = try Self.rehearseOneRoot(root, environment: nodes.environment)
        #expect(outcome.status == 0, "\(outcome.text.prefix(4000))")
        #expect(outcome.report["from"] as? String == "0.1.0" && outcome.report["to"] as? String == "0.2.0")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("lib/anemone-0.2.0/ebin/anemone.appup").path), "the user's build is untouched")
    }

    /// The rebar3 snowflake, both versions in relx's one root; the cold boot uses relx's bin/<name>-<vsn>.
    @Test func aRelxReleaseRehearsesGreen() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let port = try NodeEnvironment.freePort()
        let project = directory.appendingPathComponent("snowflake")
        try FileManager.default.copyItem(at: ErlangBuild.fixture("snowflake-rebar3"), to: project)
        let source = project.appendingPathComponent("src")
        try FileManager.default.copyItem(at: ErlangBuild.fixture("snowflake/v1/src"), to: source)
        try "[{snowflake, [{port, \(port)}]}].\n".write(to: project.appendingPathComponent("config/sys.config"), atomically: true, encoding: .utf8)
        try "-sname snowflake_r3\n-setcookie snowflake_rebar3\n".write(to: project.appendingPathComponent("config/vm.args"), atomically: true, encoding: .utf8)
        let rebar3 = try ErlangOracle.executable("rebar3")
        try #require(try ErlangOracle.runCapturing(rebar3, ["release"], environment: nodes.environment, currentDirectory: project).status == 0)
        try FileManager.default.removeItem(at: source)
        try FileManager.default.copyItem(at: ErlangBuild.fixture("snowflake/v2/src"), to: source)
        let config = project.appendingPathComponent("rebar.config")
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "{snowflake, \"1\"}", with: "{snowflake, \"2\"}")
            .write(to: config, atomically: true, encoding: .utf8)
        try #require(try ErlangOracle.runCapturing(rebar3, ["release"], environment: nodes.environment, currentDirectory: project).status == 0)
        let outcome = try Self.rehearseOneRoot(project.appendingPathComponent("_build/default/rel/snowflake"), environment: nodes.environment)
        #expect(outcome.status == 0, "\(outcome.text.prefix(4000))")
        #expect(outcome.report["from"] as? String == "1" && outcome.report["to"] as? String == "2")
    }
}
