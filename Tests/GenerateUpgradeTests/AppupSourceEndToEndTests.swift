import ErlangTerm
import Foundation
import TestSupport
import Testing

/// A hand-written src/counter.appup.src, honoured through to a live node: its own extra instruction runs there.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AppupSourceEndToEndTests {
    @Test func theAppupSrcIsWhatTheNodeRuns() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let release = try LiveRelease(fixture: "counter", name: "counter", in: directory, nodes: nodes)
        let source = release.next.appendingPathComponent("lib/counter-2/src/counter.appup.src")
        try FileManager.default.createDirectory(at: source.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: ErlangBuild.fixture("appup-src/counter.appup.src"), to: source)

        try release.run(["daemon"])
        let appups = try Products.run("relswap", ["generate-appups", "--previous", release.running.path, "--current", release.next.path])
        try #require(appups.status == 0, "\(appups.standardError)")
        #expect(appups.standardOutput.contains("from \(source.path)"))
        let check = try Products.run("relswap", ["generate-appups", "--previous", release.running.path, "--current", release.next.path, "--check"])
        #expect(check.status == 0, "\(check.standardError)")
        try release.prepareUpgrade(appups: false)
        #expect(try release.eval("release_handler:unpack_release(\"counter_2\")") == "{ok,\"2\"}")
        #expect(try release.eval("application:get_env(counter, upgraded_by)") == "undefined")
        #expect(try release.eval("release_handler:install_release(\"2\")") == "{ok,\"1\",[]}")
        #expect(try release.eval("application:get_env(counter, upgraded_by)") == "{ok,appup_src}", "the .appup.src's own instruction ran")
        #expect(try release.eval("proplists:get_value(vsn, counter:module_info(attributes))") == "[2]")
        #expect(try release.eval("release_handler:install_release(\"1\")") == "{ok,\"1\",[]}")
        #expect(try release.eval("application:get_env(counter, upgraded_by)") == "undefined", "and its downgrade")
        try release.run(["stop"])
        #expect(Poll.until(seconds: 10) { NodeEnvironment.processes(mentioning: release.running.path).isEmpty })
    }
}
