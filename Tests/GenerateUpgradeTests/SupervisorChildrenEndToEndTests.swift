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
        let release = try LiveRelease(fixture: "kinder", name: "kinder", in: directory, nodes: nodes, erlcOptions: ["+debug_info"])
        /// The supervisor's children as the node reports them: [{Id, running}] sorted.
        func children() throws -> String {
            try release.eval("lists:sort([{Id, is_pid(P)} || {Id, P, _, _} <- supervisor:which_children(kinder_top)])")
        }
        func ticks(_ worker: String) throws -> Int { Int(try release.eval("gen_server:call(\(worker), ticks)")) ?? -1 }
        try release.run(["daemon"])
        // bin/<name> runs from the release root, so the node's working directory (and a crash dump) is the release's.
        #expect(try release.eval("file:get_cwd()") == "{ok,\"\(release.running.resolvingSymlinksInPath().path)\"}")
        #expect(try children() == "[{kinder_keep,true},{kinder_old,true}]")
        let supervisor = try release.eval("whereis(kinder_top)")
        let keeper = try release.eval("whereis(kinder_keep)")

        try release.prepareUpgrade()
        #expect(try release.eval("release_handler:unpack_release(\"kinder_2\")") == "{ok,\"2\"}")
        #expect(try release.eval("release_handler:install_release(\"2\")") == "{ok,\"1\",[]}")

        #expect(try children() == "[{kinder_keep,true},{kinder_new,true}]", "the added child runs, the removed one is gone")
        // The new child ticks: time passes in which a worker left on deleted code would have crashed its supervisor.
        #expect(try Poll.until(seconds: 10) { try ticks("kinder_new") >= 10 })
        #expect(try release.eval("whereis(kinder_old)") == "undefined")
        #expect(try release.eval("whereis(kinder_top)") == supervisor, "the supervisor was not restarted")
        #expect(try release.eval("whereis(kinder_keep)") == keeper, "the kept child was not restarted")
        #expect(try release.eval("code:is_loaded(kinder_old)") == "false")

        // Downgrade: the removed child is back and running, the added one gone.
        #expect(try release.eval("release_handler:install_release(\"1\")") == "{ok,\"1\",[]}")
        #expect(try children() == "[{kinder_keep,true},{kinder_old,true}]")
        #expect(try Poll.until(seconds: 10) { try ticks("kinder_old") >= 10 })
        #expect(try release.eval("whereis(kinder_new)") == "undefined")
        #expect(try release.eval("whereis(kinder_top)") == supervisor)
        #expect(try release.eval("whereis(kinder_keep)") == keeper)
        try release.run(["stop"])
        #expect(Poll.until(seconds: 10) { NodeEnvironment.processes(mentioning: release.running.path).isEmpty })
    }
}
