import ErlangTerm
import Foundation
import TestSupport
import Testing

/// A supervisor that gains a child and loses one (Fixtures/kinder), upgraded and downgraded on a live node:
/// the node's own supervisor:which_children/1 is the oracle.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SupervisorChildrenEndToEndTests {
    @Test func anAddedChildStartsAndARemovedOneStopsWithoutRestartingTheSupervisor() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let vmArgs = directory.appendingPathComponent("vm.args")
        try "-sname kinder_\(nodes.epmdPort)\n-setcookie kinder_cookie\n".write(to: vmArgs, atomically: true, encoding: .utf8)
        let rel = directory.appendingPathComponent("rel")
        for version in [1, 2] {
            let lib = directory.appendingPathComponent("lib\(version)")
            try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("kinder/v\(version)"), libDirectory: lib, version: String(version),
                                                    erlcOptions: ["+debug_info"])
            let result = try Products.run("relswap", ["generate", "--no-erts", "--name", "kinder", "--release-version", String(version), "--app", "kinder",
                                                      "--lib-dir", lib.path, "--vm-args", vmArgs.path,
                                                      "--target-dir", rel.appendingPathComponent(version == 1 ? "kinder" : "kinder_2").path])
            try #require(result.status == 0, "\(result.standardError)")
        }
        let target = rel.appendingPathComponent("kinder")
        nodes.watch(target.path)
        let script = target.appendingPathComponent("bin/kinder").path
        func run(_ arguments: [String]) throws -> String {
            let result = try ErlangOracle.runCapturing(script, arguments, environment: nodes.environment)
            #expect(result.status == 0, "bin/kinder \(arguments.joined(separator: " ")): \(result.standardError)")
            return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        /// The supervisor's children as the node reports them: [{Id, running}] sorted.
        func children() throws -> String {
            try run(["eval", "lists:sort([{Id, is_pid(P)} || {Id, P, _, _} <- supervisor:which_children(kinder_top)])"])
        }
        func ticks(_ worker: String) throws -> Int { Int(try run(["eval", "gen_server:call(\(worker), ticks)"])) ?? -1 }
        _ = try run(["daemon"])
        // bin/<name> runs from the release root, so the node's working directory (and a crash dump) is the release's.
        #expect(try run(["eval", "file:get_cwd()"]) == "{ok,\"\(target.resolvingSymlinksInPath().path)\"}")
        #expect(try children() == "[{kinder_keep,true},{kinder_old,true}]")
        let supervisor = try run(["eval", "whereis(kinder_top)"])
        let keeper = try run(["eval", "whereis(kinder_keep)"])

        let appups = try Products.run("relswap", ["generate-appups", "--previous", target.path, "--current", rel.appendingPathComponent("kinder_2").path])
        try #require(appups.status == 0, "\(appups.standardError)")
        let upgrade = try Products.run("relswap", ["generate-upgrade", "--previous", target.path, "--current", rel.appendingPathComponent("kinder_2").path,
                                                   "--output", target.appendingPathComponent("releases").path])
        try #require(upgrade.status == 0, "\(upgrade.standardError)")
        #expect(try run(["eval", "release_handler:unpack_release(\"kinder_2\")"]) == "{ok,\"2\"}")
        #expect(try run(["eval", "release_handler:install_release(\"2\")"]) == "{ok,\"1\",[]}")

        #expect(try children() == "[{kinder_keep,true},{kinder_new,true}]", "the added child runs, the removed one is gone")
        // The new child ticks: time passes in which a worker left on deleted code would have crashed its supervisor.
        #expect(try Poll.until(seconds: 10) { try ticks("kinder_new") >= 10 })
        #expect(try run(["eval", "whereis(kinder_old)"]) == "undefined")
        #expect(try run(["eval", "whereis(kinder_top)"]) == supervisor, "the supervisor was not restarted")
        #expect(try run(["eval", "whereis(kinder_keep)"]) == keeper, "the kept child was not restarted")
        #expect(try run(["eval", "code:is_loaded(kinder_old)"]) == "false")

        // Downgrade: the removed child is back and running, the added one gone.
        #expect(try run(["eval", "release_handler:install_release(\"1\")"]) == "{ok,\"1\",[]}")
        #expect(try children() == "[{kinder_keep,true},{kinder_old,true}]")
        #expect(try Poll.until(seconds: 10) { try ticks("kinder_old") >= 10 })
        #expect(try run(["eval", "whereis(kinder_new)"]) == "undefined")
        #expect(try run(["eval", "whereis(kinder_top)"]) == supervisor)
        #expect(try run(["eval", "whereis(kinder_keep)"]) == keeper)
        _ = try run(["stop"])
        #expect(Poll.until(seconds: 10) { NodeEnvironment.processes(mentioning: target.path).isEmpty })
    }
}
