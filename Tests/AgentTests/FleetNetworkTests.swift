import Foundation
import TestSupport
import Testing

/// A fleet on five test hosts (network namespaces with their own addresses, on a bridge), one counter node per host
/// with a long name (`-name counter@10.77.0.N`), upgraded by relswap-agent with a canary and batches of two. One host
/// is cut off (its link down) while the canary is at its health check: the rollout stops after that host's batch,
/// the report names the host and the step, the upgraded hosts stay upgraded and running, and a rerun once the link
/// is back completes the fleet.
@Suite(.serialized, .timeLimit(.minutes(6))) struct FleetNetworkTests {
    static let count = 5

    @Test func aFleetOnFiveHostsSurvivesAHostCutOffMidRolloutAndARerunCompletesIt() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let network = try TestNetwork(hosts: Self.count)
        defer { network.tearDown() }
        let home = directory.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let epmdPort = try NodeEnvironment.freePort()
        let environment = ["HOME": home.path, "ERL_EPMD_PORT": String(epmdPort), "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]

        // Version 1 on every host, version 2 and the archive beside.
        let lib1 = directory.appendingPathComponent("lib1"), lib2 = directory.appendingPathComponent("lib2")
        try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("counter/v1"), libDirectory: lib1, version: "1")
        try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("counter/v2"), libDirectory: lib2, version: "2")
        var roots = [URL]()
        for index in 0..<Self.count {
            let vmArgs = directory.appendingPathComponent("host\(index).vm.args")
            try "-name counter@\(network.address(index))\n-setcookie fleetnet\n".write(to: vmArgs, atomically: true, encoding: .utf8)
            let root = directory.appendingPathComponent("host\(index)")
            let made = try Products.run("relswap", ["generate", "--no-erts", "--name", "counter", "--release-version", "1", "--app", "counter",
                                                    "--lib-dir", lib1.path, "--vm-args", vmArgs.path, "--target-dir", root.path])
            try #require(made.status == 0, "\(made.standardError)")
            roots.append(root)
        }
        let next = directory.appendingPathComponent("counter_2")
        for arguments in [["generate", "--no-erts", "--name", "counter", "--release-version", "2", "--app", "counter", "--lib-dir", lib2.path,
                           "--vm-args", directory.appendingPathComponent("host0.vm.args").path, "--target-dir", next.path],
                          ["generate-appups", "--previous", roots[0].path, "--current", next.path],
                          ["generate-upgrade", "--previous", roots[0].path, "--current", next.path, "--output", directory.path]] {
            let result = try Products.run("relswap", arguments)
            try #require(result.status == 0, "\(result.standardError)")
        }
        let archive = directory.appendingPathComponent("counter_2.tar.gz").path
        for index in 0..<Self.count {
            let started = try network.run(index, roots[index].appendingPathComponent("bin/counter").path, ["daemon"], environment: environment)
            try #require(started.status == 0, "host \(index + 1): \(started.standardError)")
        }
        let nodes = (0..<Self.count).map { "counter@\(network.address($0))" }
        let command = ["upgrade", archive, "--cookie", "fleetnet", "--epmd-port", String(epmdPort), "--canary", "1", "--parallel", "2",
                       "--health-call", "erlang:is_alive", "--json"] + nodes.flatMap { ["--node", $0] }

        // The rollout, paused at each health check (RELSWAP_FAILPOINT=health): at the first (the canary's), host 3
        // is cut off.
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: Products.executable("relswap-agent"))
        agent.arguments = command
        let notice = directory.appendingPathComponent("failpoint")
        agent.environment = environment.merging(["RELSWAP_FAILPOINT": "health", "RELSWAP_FAILPOINT_FILE": notice.path]) { $1 }
        let output = directory.appendingPathComponent("rollout.json")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        agent.standardOutput = handle
        agent.standardError = FileHandle.nullDevice
        try agent.run()
        var cut = false
        let finished = Poll.until(seconds: 180, interval: 0.02) {
            if FileManager.default.fileExists(atPath: notice.path) {
                if !cut {
                    try? network.setLink(2, up: false)
                    cut = true
                }
                FaultMatrixTests.Cell.release(agent)
                // The agent removes the notice as it goes on; the next pause writes it again.
                _ = Poll.until(seconds: 5, interval: 0.005) { !FileManager.default.fileExists(atPath: notice.path) || !agent.isRunning }
            }
            return !agent.isRunning
        }
        if !finished { kill(agent.processIdentifier, SIGKILL) }
        agent.waitUntilExit()
        try handle.close()
        #expect(cut, "the canary reached its health check")
        #expect(agent.terminationStatus == 2, "the rollout fails as unreachable")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any])
        let outcomes = try #require(report["nodes"] as? [[String: Any]])
        #expect(outcomes.map { $0["outcome"] as? String } == ["done", "done", "failed", "skipped", "skipped"], "\(outcomes)")
        #expect(outcomes.map { $0["batch"] as? Int } == [0, 1, 1, nil, nil])
        #expect(outcomes[2]["node"] as? String == "counter@10.77.0.3" && outcomes[2]["step"] as? String == "unreachable", "\(outcomes[2])")

        // Hosts 1 and 2 run version 2, permanent, their counter process alive; hosts 4 and 5 were not touched.
        let releases = { (index: Int) throws -> String in
            let listed = try Products.run("relswap-agent", ["releases", "--node", nodes[index], "--cookie", "fleetnet", "--epmd-port", String(epmdPort)], environment: environment)
            return listed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let vsn = { (index: Int) throws -> String in
            let called = try Products.run("relswap-agent", ["call", "counter", "module_info", "[attributes]", "--node", nodes[index], "--cookie", "fleetnet",
                                                            "--epmd-port", String(epmdPort), "--json"], environment: environment)
            let result = ((try JSONSerialization.jsonObject(with: Data(called.standardOutput.utf8)) as? [String: Any])?["nodes"] as? [[String: Any]])?.first
            return (result?["result_text"] as? String) ?? called.standardError
        }
        for index in [0, 1] {
            #expect(try releases(index) == "\(nodes[index]): counter 2 permanent; counter 1 old")
            #expect(try vsn(index).contains("{vsn,[2]}"))
        }
        for index in [3, 4] { #expect(try releases(index) == "\(nodes[index]): counter 1 permanent") }

        // The link back, the same command again: the fleet converges.
        try network.setLink(2, up: true)
        let rerun = try Products.run("relswap-agent", command, environment: environment)
        #expect(rerun.status == 0, "\(rerun.standardError)")
        let again = ((try JSONSerialization.jsonObject(with: Data(rerun.standardOutput.utf8)) as? [String: Any])?["nodes"] as? [[String: Any]]) ?? []
        #expect(again.map { $0["outcome"] as? String } == ["unchanged", "unchanged", "done", "done", "done"], "\(rerun.standardOutput)")
        for index in 0..<Self.count {
            #expect(try releases(index) == "\(nodes[index]): counter 2 permanent; counter 1 old")
            #expect(try vsn(index).contains("{vsn,[2]}"))
        }
    }
}
