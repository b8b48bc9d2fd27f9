import ErlangTerm
import Foundation
import TestSupport
import Testing

/// The seeds' appups, byte for byte against the files in Fixtures/expected/appups, and accepted by
/// systools:make_relup with the relup the field notes recorded.
@Suite struct AppupSnapshotTests {
    static func expected(_ name: String) throws -> String {
        try String(contentsOf: ErlangBuild.fixture("expected/appups/\(name).appup"), encoding: .utf8)
    }

    @Test func snowflakeOneToTwoLoadsOnlyTheWebModule() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try AppupSupport.release("snowflake", version: 1, at: directory.appendingPathComponent("snowflake_1"), in: directory)
        let new = try AppupSupport.release("snowflake", version: 2, at: directory.appendingPathComponent("snowflake_2"), in: directory)
        // rebar2's spelling: relative to the current release's parent directory.
        let result = try AppupSupport.relswap(["generate-appups", "previous_release=snowflake_1", "--current", new.path])
        #expect(result.status == 0, "\(result.standardError)")
        let appup = new.appendingPathComponent("lib/snowflake-2/ebin/snowflake.appup")
        #expect(try String(contentsOf: appup, encoding: .utf8) == Self.expected("snowflake"))
        #expect(result.standardOutput.contains("same     snowflake_user: recompiled, same code (beam_lib:md5); no instruction"))

        let relup = try AppupSupport.makeRelup(old: old, oldVersion: "1", new: new, newVersion: "2", name: "snowflake", in: directory)
        #expect(TermWriter.render(relup) == #"{"2",[{"1",[],[{load_object_code,{snowflake,"2",[snowflake_web]}},point_of_no_return,{load,{snowflake_web,brutal_purge,brutal_purge}}]}],[{"1",[],[{load_object_code,{snowflake,"1",[snowflake_web]}},point_of_no_return,{load,{snowflake_web,brutal_purge,brutal_purge}}]}]}"#)
    }

    @Test func counterOneToTwoUpdatesTheServerWithCodeChange() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try AppupSupport.release("counter", version: 1, at: directory.appendingPathComponent("old"), in: directory)
        let new = try AppupSupport.release("counter", version: 2, at: directory.appendingPathComponent("new"), in: directory)
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path])
        #expect(result.status == 0, "\(result.standardError)")
        let appup = new.appendingPathComponent("lib/counter-2/ebin/counter.appup")
        #expect(try String(contentsOf: appup, encoding: .utf8) == Self.expected("counter"))
        let relup = try AppupSupport.makeRelup(old: old, oldVersion: "1", new: new, newVersion: "2", name: "counter", in: directory)
        #expect(TermWriter.render(relup) == #"{"2",[{"1",[],[{load_object_code,{counter,"2",[counter]}},point_of_no_return,{suspend,[counter]},{load,{counter,brutal_purge,brutal_purge}},{code_change,up,[{counter,[]}]},{resume,[counter]}]}],[{"1",[],[{load_object_code,{counter,"1",[counter]}},point_of_no_return,{suspend,[counter]},{code_change,down,[{counter,[]}]},{load,{counter,brutal_purge,brutal_purge}},{resume,[counter]}]}]}"#)
    }

    @Test func theSameInputsGiveTheSameBytes() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try AppupSupport.release("coverage", version: 1, name: "cov", at: directory.appendingPathComponent("old"), in: directory)
        let new = try AppupSupport.release("coverage", version: 2, name: "cov", at: directory.appendingPathComponent("new"), in: directory)
        var outputs = [String]()
        for run in 1...2 {
            let out = directory.appendingPathComponent("out\(run)")
            let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--output", out.path, "--json"])
            #expect(result.status == 0, "\(result.standardError)")
            outputs.append(try String(contentsOf: out.appendingPathComponent("cov.appup"), encoding: .utf8))
        }
        #expect(outputs[0] == outputs[1])
        #expect(!outputs[0].contains("20"), "no timestamps")
    }
}
