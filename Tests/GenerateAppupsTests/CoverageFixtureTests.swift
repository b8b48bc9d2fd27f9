import ErlangTerm
import Foundation
import TestSupport
import Testing

/// The coverage pair (Fixtures/coverage): every kind of change, with the appup spelled out here.
@Suite struct CoverageFixtureTests {
    static let expectedUp = """
        {add_module,cov_added}
        {load_module,cov_c,[]}
        {load_module,cov_b,[cov_c]}
        {load_module,cov_a,[cov_b]}
        {load_module,cov_lib,[cov_added]}
        {update,cov_server,{advanced,[]},[cov_lib]}
        {update,cov_statem,{advanced,[]},[]}
        {update,cov_sup,supervisor}
        {load_module,cov_worker,[]}
        {load_module,cov_x,[cov_y]}
        {load_module,cov_y,[cov_x]}
        {delete_module,cov_deleted}
        """

    static let expectedDown = """
        {add_module,cov_deleted}
        {load_module,cov_y,[cov_x]}
        {load_module,cov_x,[cov_y]}
        {load_module,cov_worker,[]}
        {update,cov_sup,supervisor}
        {update,cov_statem,{advanced,[]},[]}
        {update,cov_server,{advanced,[]},[cov_lib]}
        {load_module,cov_lib,[cov_added]}
        {load_module,cov_a,[cov_b]}
        {load_module,cov_b,[cov_c]}
        {load_module,cov_c,[]}
        {delete_module,cov_added}
        """

    @Test func everyKindOfChangeGetsItsInstructionAndSystoolsAcceptsTheAppup() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try AppupSupport.release("coverage", version: 1, name: "cov", at: directory.appendingPathComponent("cov_1"), in: directory)
        let new = try AppupSupport.release("coverage", version: 2, name: "cov", at: directory.appendingPathComponent("cov_2"), in: directory)
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--json"])
        #expect(result.status == 0, "\(result.standardError)")

        let file = new.appendingPathComponent("lib/cov-2/ebin/cov.appup").path
        let appup = try #require(try TermReader.consult(path: file).first?.tupleElements)
        #expect(appup[0] == "2")
        let up = try #require(appup[1].listElements?.first?.tupleElements)
        let down = try #require(appup[2].listElements?.first?.tupleElements)
        #expect(up[0] == "1" && down[0] == "1")
        #expect(up[1].listElements?.map(TermWriter.render).joined(separator: "\n") == Self.expectedUp)
        #expect(down[1].listElements?.map(TermWriter.render).joined(separator: "\n") == Self.expectedDown)
        // One instruction per line in the file.
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("[{add_module,cov_added},\n    {load_module,cov_c,[]},\n"))

        let plan = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let application = try #require((plan["applications"] as? [[String: Any]])?.first)
        #expect(application["noise_only"] as? [String] == ["cov_app", "cov_noise"], "recompiled modules are listed, not upgraded")
        #expect(application["cycles"] as? [[String]] == [["cov_x", "cov_y"]])
        let reasons = Dictionary(uniqueKeysWithValues: (application["changes"] as? [[String: String]] ?? []).map { ($0["module"] ?? "", $0["reason"] ?? "") })
        #expect(reasons["cov_statem"] == "exports code_change/4 (gen_statem): its processes are suspended and their state moved on")
        #expect(reasons["cov_sup"] == "a supervisor: its child specifications are updated")
        // Typed values: booleans are booleans, warnings objects with a stable code.
        #expect(application["written"] as? Bool == true)
        #expect(plan["dry_run"] as? Bool == false && plan["check"] as? Bool == false)
        #expect(plan["problems"] is NSNull, "no --check, so no problems list")
        let instructions = try #require(application["instructions"] as? [String: [String]])
        #expect(instructions["up"]?.joined(separator: "\n") == Self.expectedUp, "what the appup holds")
        let warnings = (plan["warnings"] as? [[String: Any]] ?? []).map { "\($0["code"] ?? "") \($0["application"] ?? "") \($0["module"] ?? "") \($0["message"] ?? "")" }
        #expect(warnings.contains("no_code_change cov cov_worker cov_worker is a gen_server without code_change: its processes keep their state as it is; if the state's shape changed, add code_change"))
        #expect(warnings.contains("cycle cov cov_x modules cov_x, cov_y call each other in a cycle; their instructions are kept together"))

        // systools translates it, both ways, keeping the order the dependencies ask for.
        let relup = try AppupSupport.makeRelup(old: old, oldVersion: "1", new: new, newVersion: "2", name: "cov", in: directory)
        let parts = try #require(relup.tupleElements)
        let upScript = try #require(parts[1].listElements?.first?.tupleElements?[2].listElements).map(TermWriter.render)
        let downScript = try #require(parts[2].listElements?.first?.tupleElements?[2].listElements).map(TermWriter.render)
        func position(_ instruction: String, in script: [String]) throws -> Int {
            try #require(script.firstIndex(of: instruction), "\(instruction) is in the relup")
        }
        func load(_ module: String) -> String { "{load,{\(module),brutal_purge,brutal_purge}}" }
        #expect(try position(load("cov_added"), in: upScript) < position(load("cov_lib"), in: upScript))
        #expect(try position(load("cov_lib"), in: upScript) < position(load("cov_server"), in: upScript))
        #expect(try position(load("cov_c"), in: upScript) < position(load("cov_b"), in: upScript))
        #expect(try position(load("cov_b"), in: upScript) < position(load("cov_a"), in: upScript))
        for module in ["cov_server", "cov_statem", "cov_sup"] {
            #expect(upScript.contains("{code_change,up,[{\(module),[]}]}"))
            #expect(downScript.contains("{code_change,down,[{\(module),[]}]}"))
        }
        #expect(upScript.suffix(2) == ["{remove,{cov_deleted,brutal_purge,brutal_purge}}", "{purge,[cov_deleted]}"])
        #expect(try position(load("cov_lib"), in: downScript) < position("{remove,{cov_added,brutal_purge,brutal_purge}}", in: downScript))
        #expect(downScript.contains(load("cov_deleted")))
    }
}
