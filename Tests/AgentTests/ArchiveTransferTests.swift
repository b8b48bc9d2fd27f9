import Foundation
import TestSupport
import Testing

/// The archive goes to the node in 4 MiB pieces into `<pkg>.tar.gz.part`, and the node's own hash of what it holds
/// must be the archive's before anything is unpacked.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ArchiveTransferTests {
    /// Paused after the first piece (failpoint `transfer`), the node's disk holds exactly 4 MiB of the archive in the
    /// part file; a byte of it changed there makes the unpack fail (exit 4) with nothing left in `releases/`; the
    /// rerun sends it whole and unpacks.
    @Test func theArchiveIsSentInPiecesAndAChangedByteOnTheNodeIsCaught() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let name = "transfer\(nodes.epmdPort)"
        // crypto in the release: the node hashes with sha256 (without it, erlang:md5).
        let (roots, archive) = try AgentUpgradeTests.counterReleases([name], cookie: "send", in: directory, extraApps: ["crypto"])
        let archiveSize = try #require(try FileManager.default.attributesOfItem(atPath: archive.path)[.size] as? Int)
        try #require(archiveSize > 4 << 20, "the archive (\(archiveSize) bytes) needs more than one piece")
        nodes.watch(roots[0].path)
        #expect(try ErlangOracle.runCapturing(roots[0].appendingPathComponent("bin/counter").path, ["daemon"], environment: nodes.environment).status == 0)
        let releases = roots[0].appendingPathComponent("releases")
        let part = releases.appendingPathComponent("counter_2.tar.gz.part")

        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: Products.executable("relswap-agent"))
        agent.arguments = ["unpack", archive.path, "--node", name, "--cookie", "send"]
        let notice = directory.appendingPathComponent("failpoint"), log = directory.appendingPathComponent("agent.log")
        agent.environment = ProcessInfo.processInfo.environment.merging(nodes.environment) { $1 }
            .merging(["RELSWAP_FAILPOINT": "transfer", "RELSWAP_FAILPOINT_FILE": notice.path]) { $1 }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        agent.standardOutput = output
        agent.standardError = output
        try agent.run()
        defer { if agent.isRunning { kill(agent.processIdentifier, SIGKILL) } }
        try #require(Poll.until(seconds: 60, interval: 0.01) { FileManager.default.fileExists(atPath: notice.path) || !agent.isRunning } && agent.isRunning,
                     "the agent paused after the first piece: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        // The first piece, and only it, is on the node's disk.
        let held = try #require(FileManager.default.contents(atPath: part.path))
        #expect(held.count == 4 << 20)
        #expect(held == (try Data(contentsOf: archive)).prefix(4 << 20), "the part file holds the archive's first 4 MiB")
        // A byte of it changes on the node's disk.
        let handle = try FileHandle(forUpdating: part)
        try handle.seek(toOffset: 1000)
        try handle.write(contentsOf: Data([held[1000] ^ 0xFF]))
        try handle.close()
        kill(agent.processIdentifier, SIGUSR1)
        #expect(Poll.until(seconds: 60) { !agent.isRunning })
        agent.waitUntilExit()
        try output.close()
        let said = try String(contentsOf: log, encoding: .utf8)
        #expect(agent.terminationStatus == 4, "\(said)")
        #expect(said.contains("sha256 differs"), "\(said)")
        // Nothing half-written: no part file, no archive, no release 2 on the node's disk; RELEASES knows only 1.
        let left = try FileManager.default.contentsOfDirectory(atPath: releases.path).sorted()
        #expect(left == ["1", "RELEASES", "start_erl.data"], "\(left)")
        #expect(!FileManager.default.fileExists(atPath: roots[0].appendingPathComponent("lib/counter-2").path))

        // The rerun sends it whole, and the node unpacks it: RELEASES (read by OTP) has 2 unpacked.
        let rerun = try AgentSupport.agent(["unpack", archive.path, "--node", name, "--cookie", "send"], nodes: nodes)
        #expect(rerun.status == 0, "\(rerun.standardError)")
        #expect(try ErlangOracle.releaseStatuses(root: roots[0]) == "[{\"2\",unpacked},{\"1\",permanent}]")
        #expect(!FileManager.default.fileExists(atPath: part.path))
    }
}
