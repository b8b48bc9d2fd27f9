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
        let before = Set(NodeEnvironment.processes(mentioning: "relswap-rehearse-"))
        let result = try Products.run("relswap", ["rehearse", "--previous", release.running.path, "--current", release.next.path, "--json"] + extra)
        let report = (try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]) ?? [:]
        // Nothing left running, nothing left behind in the user's tree.
        #expect(Set(NodeEnvironment.processes(mentioning: "relswap-rehearse-")).subtracting(before).isEmpty, "the sandbox's processes are gone")
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
