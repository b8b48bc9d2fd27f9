import ErlangTerm
import Foundation
import TestSupport
import Testing

/// A rerun of `upgrade` goes on from where the node is, whatever stopped the run before.
@Suite(.serialized, .timeLimit(.minutes(4))) struct ResumeTests {
    static func counter(in directory: URL, nodes: NodeEnvironment) throws -> (release: LiveRelease, archive: String, node: String) {
        let release = try LiveRelease(fixture: "counter", name: "counter", in: directory, nodes: nodes)
        let archive = try release.buildUpgrade(into: directory.appendingPathComponent("out"))
        try release.run(["daemon"])
        return (release, archive.path, "counter_\(nodes.epmdPort)")
    }

    static func statuses(_ release: LiveRelease) throws -> String {
        try release.eval("lists:sort([{V, S} || {_, V, _, S} <- release_handler:which_releases()])")
    }

    @Test func aRerunAfterUnpackOrInstallFinishesAndAThirdRunDoesNothing() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let (release, archive, node) = try Self.counter(in: directory, nodes: nodes)
        func agent(_ arguments: [String]) throws -> ErlangOracle.ProgramResult {
            try AgentSupport.agent(arguments + ["--node", node, "--cookie", "counter_cookie"], nodes: nodes)
        }
        // Stopped after the unpack: the rerun installs.
        #expect(try agent(["unpack", archive]).status == 0)
        let afterUnpack = try agent(["upgrade", archive])
        #expect(afterUnpack.status == 0, "\(afterUnpack.standardError)")
        #expect(afterUnpack.standardOutput.contains("(resumed: 2 was already unpacked)"))
        #expect(try Self.statuses(release) == "[{\"1\",old},{\"2\",permanent}]")
        // And a third run has nothing to do.
        let again = try agent(["upgrade", archive])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardOutput.contains("already at counter 2 (permanent); nothing to do"))
        #expect(try release.eval("proplists:get_value(vsn, counter:module_info(attributes))") == "[2]")
        try release.run(["stop"])
    }

    @Test func aRerunAfterAnInstallWithoutPermanentMakesItPermanent() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let (release, archive, node) = try Self.counter(in: directory, nodes: nodes)
        let first = try AgentSupport.agent(["upgrade", archive, "--no-permanent", "--node", node, "--cookie", "counter_cookie"], nodes: nodes)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(try Self.statuses(release) == "[{\"1\",permanent},{\"2\",current}]")
        let rerun = try AgentSupport.agent(["upgrade", archive, "--node", node, "--cookie", "counter_cookie"], nodes: nodes)
        #expect(rerun.status == 0, "\(rerun.standardError)")
        #expect(rerun.standardOutput.contains("(resumed: 2 was already installed)"))
        #expect(try Self.statuses(release) == "[{\"1\",old},{\"2\",permanent}]")
        try release.run(["stop"])
    }

    /// The agent killed (SIGKILL) while the archive is on its way: the node stays on version 1, and a rerun completes.
    @Test func theAgentKilledMidwayThenARerunCompletes() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let (release, archive, node) = try Self.counter(in: directory, nodes: nodes)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Products.executable("relswap-agent"))
        process.arguments = ["upgrade", archive, "--node", node, "--cookie", "counter_cookie"]
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in nodes.environment { environment[key] = value }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Killed as soon as the archive reaches the node's releases directory (or the run has ended).
        _ = Poll.until(seconds: 30, interval: 0.005) {
            FileManager.default.fileExists(atPath: release.running.appendingPathComponent("releases/counter_2.tar.gz").path)
                || FileManager.default.fileExists(atPath: release.running.appendingPathComponent("releases/2").path) || !process.isRunning
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The node is on one release, whichever step the kill met; the rerun brings it to 2.
        let vsn = try release.eval("proplists:get_value(vsn, counter:module_info(attributes))")
        #expect(vsn == "[1]" || vsn == "[2]")
        let rerun = try AgentSupport.agent(["upgrade", archive, "--node", node, "--cookie", "counter_cookie"], nodes: nodes)
        #expect(rerun.status == 0, "\(rerun.standardError)")
        #expect(try Self.statuses(release) == "[{\"1\",old},{\"2\",permanent}]")
        #expect(try release.eval("proplists:get_value(vsn, counter:module_info(attributes))") == "[2]")
        try release.run(["stop"])
    }
}
