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
        let vmArgs = directory.appendingPathComponent("vm.args")
        try "-sname counter_src_\(nodes.epmdPort)\n-setcookie counter_cookie\n".write(to: vmArgs, atomically: true, encoding: .utf8)
        let rel = directory.appendingPathComponent("rel")
        for version in [1, 2] {
            let lib = directory.appendingPathComponent("lib\(version)")
            try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("counter/v\(version)"), libDirectory: lib, version: String(version))
            let result = try Products.run("relswap", ["generate", "--no-erts", "--name", "counter", "--release-version", String(version), "--app", "counter",
                                                      "--lib-dir", lib.path, "--vm-args", vmArgs.path,
                                                      "--target-dir", rel.appendingPathComponent(version == 1 ? "counter" : "counter_2").path])
            try #require(result.status == 0, "\(result.standardError)")
        }
        let new = rel.appendingPathComponent("counter_2")
        let source = new.appendingPathComponent("lib/counter-2/src/counter.appup.src")
        try FileManager.default.createDirectory(at: source.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AppupSourceText.text.write(to: source, atomically: true, encoding: .utf8)

        let target = rel.appendingPathComponent("counter")
        nodes.watch(target.path)
        let script = target.appendingPathComponent("bin/counter").path
        func run(_ arguments: [String]) throws -> String {
            let result = try ErlangOracle.runCapturing(script, arguments, environment: nodes.environment)
            #expect(result.status == 0, "bin/counter \(arguments.joined(separator: " ")): \(result.standardError)")
            return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try run(["daemon"])
        let appups = try Products.run("relswap", ["generate-appups", "--previous", target.path, "--current", new.path])
        try #require(appups.status == 0, "\(appups.standardError)")
        #expect(appups.standardOutput.contains("from \(source.path)"))
        let check = try Products.run("relswap", ["generate-appups", "--previous", target.path, "--current", new.path, "--check"])
        #expect(check.status == 0, "\(check.standardError)")
        let upgrade = try Products.run("relswap", ["generate-upgrade", "--previous", target.path, "--current", new.path,
                                                   "--output", target.appendingPathComponent("releases").path])
        try #require(upgrade.status == 0, "\(upgrade.standardError)")
        #expect(try run(["eval", "release_handler:unpack_release(\"counter_2\")"]) == "{ok,\"2\"}")
        #expect(try run(["eval", "application:get_env(counter, upgraded_by)"]) == "undefined")
        #expect(try run(["eval", "release_handler:install_release(\"2\")"]) == "{ok,\"1\",[]}")
        #expect(try run(["eval", "application:get_env(counter, upgraded_by)"]) == "{ok,appup_src}", "the .appup.src's own instruction ran")
        #expect(try run(["eval", "proplists:get_value(vsn, counter:module_info(attributes))"]) == "[2]")
        #expect(try run(["eval", "release_handler:install_release(\"1\")"]) == "{ok,\"1\",[]}")
        #expect(try run(["eval", "application:get_env(counter, upgraded_by)"]) == "undefined", "and its downgrade")
        _ = try run(["stop"])
        #expect(Poll.until(seconds: 10) { NodeEnvironment.processes(mentioning: target.path).isEmpty })
    }
}

enum AppupSourceText {
    static var text: String { (try? String(contentsOf: ErlangBuild.fixture("appup-src/counter.appup.src"), encoding: .utf8)) ?? "" }
}
