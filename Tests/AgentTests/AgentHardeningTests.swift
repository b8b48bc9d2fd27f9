import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Archives and retries that must not reach, or fool, a node.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AgentHardeningTests {
    /// Fixtures/hostile/archives (made by scripts/make-hostile-archives.py): each is refused by the archive check,
    /// exit 1, before any connection (the node named does not exist, which would be exit 2), and nothing traps.
    @Test(arguments: [("absolute_2", "entry /etc/relswap-was-here would be written outside lib/, releases/ and erts-*/"),
                      ("dotdot_2", "entry lib/../../outside would be written outside"),
                      ("outside_2", "entry bin/zap would be written outside"),
                      ("symlink_2", "entry lib/zap-2/priv/passwd is a link or a special file"),
                      ("hardlink_2", "entry lib/zap-2/priv/shadow is a link or a special file"),
                      ("fifo_2", "entry lib/zap-2/priv/pipe is a link or a special file"),
                      ("bomb_2", "over 50 times its size, as a gzip bomb does"),
                      ("huge_2", "unpacks to more than 2147483648 bytes"),
                      ("otherversion_2", "releases/otherversion_2.rel is version 3 of zap, not the version the package name otherversion_2 says"),
                      ("notabeam_2", "lib/zap-2/ebin/zap.beam is not a readable beam")])
    func aHostileArchiveIsRefusedBeforeItIsSent(name: String, reason: String) throws {
        let archive = ErlangBuild.fixture("hostile/archives/\(name).tar.gz").path
        for command in ["unpack", "upgrade"] {
            let result = try Products.run("relswap-agent", [command, archive, "--node", "nobody_here@localhost", "--cookie", "x", "--timeout", "2"])
            #expect(result.status == 1, "\(command) \(name): \(result.standardError)")
            #expect(result.standardError.contains(reason), "\(command) \(name): \(result.standardError)")
        }
    }

    /// A beam whose module is not its file's name is refused (the code server would not find it).
    @Test func aMisnamedBeamIsRefused() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tree = directory.appendingPathComponent("tree")
        let ebin = tree.appendingPathComponent("lib/zap-2/ebin")
        try FileManager.default.createDirectory(at: ebin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("releases/2"), withIntermediateDirectories: true)
        try "-module(other).\n".write(to: directory.appendingPathComponent("other.erl"), atomically: true, encoding: .utf8)
        try ErlangOracle.runProgram(try ErlangOracle.executable("erlc"), ["-o", ebin.path, directory.appendingPathComponent("other.erl").path])
        try FileManager.default.moveItem(at: ebin.appendingPathComponent("other.beam"), to: ebin.appendingPathComponent("zap.beam"))
        try "{release,{\"zap\",\"2\"},{erts,\"13.1.5\"},[{kernel,\"8.5.3\"},{stdlib,\"4.2\"},{sasl,\"4.2\"},{zap,\"2\"}]}.\n"
            .write(to: tree.appendingPathComponent("releases/zap_2.rel"), atomically: true, encoding: .utf8)
        try "boot".write(to: tree.appendingPathComponent("releases/2/start.boot"), atomically: true, encoding: .utf8)
        let archive = directory.appendingPathComponent("zap_2.tar.gz")
        try ErlangOracle.runProgram("/bin/tar", ["czf", archive.path, "-C", tree.path, "lib", "releases"])
        let result = try Products.run("relswap-agent", ["unpack", archive.path, "--node", "nobody_here@localhost", "--cookie", "x"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("lib/zap-2/ebin/zap.beam holds module other"), "\(result.standardError)")
    }

    /// What an earlier, failed unpack left under lib/ (version 1's code in lib/counter-2) is not kept by the retry:
    /// the node ends up running the archive's code, checked by the agent and, independently, by the node's md5s.
    @Test func aRetryAfterAFailedUnpackRunsTheNewCode() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let release = try LiveRelease(fixture: "counter", name: "counter", in: directory, nodes: nodes)
        let archive = try release.buildUpgrade(into: directory.appendingPathComponent("out"))
        try release.run(["daemon"])
        // The leftover: lib/counter-2 holding version 1's beam.
        let stale = release.running.appendingPathComponent("lib/counter-2/ebin")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: release.running.appendingPathComponent("lib/counter-1/ebin/counter.beam"), to: stale.appendingPathComponent("counter.beam"))
        try FileManager.default.copyItem(at: release.next.appendingPathComponent("lib/counter-2/ebin/counter.app"), to: stale.appendingPathComponent("counter.app"))

        let node = "counter_\(nodes.epmdPort)"
        let result = try AgentSupport.agent(["upgrade", archive.path, "--node", node, "--cookie", "counter_cookie"], nodes: nodes)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try release.eval("proplists:get_value(vsn, counter:module_info(attributes))") == "[2]", "the new code runs")
        let expected = try ErlangOracle.evaluate("{ok, {_, M}} = beam_lib:md5(\"\(release.next.path)/lib/counter-2/ebin/counter.beam\"), io:format(\"~p\", [M])")
        #expect(try release.eval("counter:module_info(md5)") == expected, "the loaded code is the archive's")
        try release.run(["stop"])
    }

    /// An unpack that fails part-way (erl_tar cannot write an entry under a path an earlier entry made a file) takes
    /// away what it extracted; the good archive then unpacks as if nothing had happened.
    @Test func aFailedUnpackLeavesNothingBehind() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let release = try LiveRelease(fixture: "counter", name: "counter", in: directory, nodes: nodes)
        let good = directory.appendingPathComponent("good"), bad = directory.appendingPathComponent("bad")
        try release.buildUpgrade(into: good, extra: ["--delta"])
        // The same archive, then lib/counter-2/priv as a file, then an entry under lib/counter-2/priv/.
        let tree = directory.appendingPathComponent("tree"), extra = directory.appendingPathComponent("extra")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        try ErlangOracle.runProgram("/bin/tar", ["xzf", good.appendingPathComponent("counter_2.tar.gz").path, "-C", tree.path])
        try "a file".write(to: tree.appendingPathComponent("lib/counter-2/priv"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: extra.appendingPathComponent("lib/counter-2/priv"), withIntermediateDirectories: true)
        try "under it".write(to: extra.appendingPathComponent("lib/counter-2/priv/x"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        let tar = bad.appendingPathComponent("counter_2.tar")
        try ErlangOracle.runProgram("/bin/tar", ["cf", tar.path, "-C", tree.path, "releases", "lib"])
        try ErlangOracle.runProgram("/bin/tar", ["rf", tar.path, "-C", extra.path, "lib/counter-2/priv/x"])
        try ErlangOracle.runProgram("/bin/gzip", [tar.path])

        try release.run(["daemon"])
        let node = "counter_\(nodes.epmdPort)"
        let failed = try AgentSupport.agent(["unpack", bad.appendingPathComponent("counter_2.tar.gz").path, "--node", node, "--cookie", "counter_cookie"], nodes: nodes)
        #expect(failed.status == 4, "\(failed.standardError)")
        for leftover in ["lib/counter-2", "releases/2", "releases/counter_2.tar.gz"] {
            #expect(!FileManager.default.fileExists(atPath: release.running.appendingPathComponent(leftover).path), "\(leftover) was left behind")
        }
        #expect(try release.eval("[V || {_, V, _, _} <- release_handler:which_releases()]") == "[\"1\"]")
        let retried = try AgentSupport.agent(["upgrade", good.appendingPathComponent("counter_2.tar.gz").path, "--node", node, "--cookie", "counter_cookie"], nodes: nodes)
        #expect(retried.status == 0, "\(retried.standardError)")
        #expect(try release.eval("proplists:get_value(vsn, counter:module_info(attributes))") == "[2]")
        try release.run(["stop"])
    }
}
