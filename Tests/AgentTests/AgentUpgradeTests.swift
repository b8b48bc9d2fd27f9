import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Requests sent in a loop from another thread while an upgrade runs.
final class RequestLoop: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private(set) var sent = 0
    private(set) var failures = [String]()
    private var thread: Thread?

    init(port: Int, path: String) {
        thread = Thread { [self] in
            while lock.withLock({ running }) {
                let outcome: String?
                do {
                    let response = try HTTP.request("GET", port: port, path: path)
                    outcome = response.status == 200 ? nil : "status \(response.status)"
                } catch {
                    outcome = "\(error)"
                }
                lock.withLock {
                    sent += 1
                    if let outcome { failures.append(outcome) }
                }
                usleep(5_000)
            }
        }
        thread?.start()
    }

    func stop() -> (sent: Int, failures: [String]) {
        lock.withLock { running = false }
        usleep(100_000)
        return lock.withLock { (sent, failures) }
    }
}

@Suite(.serialized) struct AgentUpgradeTests {
    static func relswap(_ arguments: [String], in directory: URL? = nil) throws -> ErlangOracle.ProgramResult {
        try Products.run("relswap", arguments, currentDirectory: directory)
    }

    /// Counter releases: version 1 at each of `roots` (one node each), version 2 beside, and the upgrade archive.
    /// `extraApps` join both releases (OTP's, say `ssl`); `extraVMArgs` are lines added to every vm.args.
    static func counterReleases(_ names: [String], cookie: String, in directory: URL, extraApps: [String] = [],
                                extraVMArgs: String = "") throws -> (roots: [URL], archive: URL) {
        let apps = extraApps.flatMap { ["--app", $0] }
        var roots = [URL]()
        let lib1 = directory.appendingPathComponent("lib1"), lib2 = directory.appendingPathComponent("lib2")
        try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("counter/v1"), libDirectory: lib1, version: "1")
        try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("counter/v2"), libDirectory: lib2, version: "2")
        for name in names {
            let vmArgs = directory.appendingPathComponent("\(name).vm.args")
            try "-sname \(name)\n-setcookie \(cookie)\n\(extraVMArgs)".write(to: vmArgs, atomically: true, encoding: .utf8)
            let root = directory.appendingPathComponent(name)
            let result = try relswap(["generate", "--no-erts", "--name", "counter", "--release-version", "1", "--app", "counter"] + apps + ["--lib-dir", lib1.path,
                                      "--vm-args", vmArgs.path, "--target-dir", root.path])
            guard result.status == 0 else { throw ErlangOracle.Failure(description: result.standardError) }
            roots.append(root)
        }
        let next = directory.appendingPathComponent("counter_2")
        let vmArgs = directory.appendingPathComponent("\(names[0]).vm.args")
        for arguments in [["generate", "--no-erts", "--name", "counter", "--release-version", "2", "--app", "counter"] + apps + ["--lib-dir", lib2.path, "--vm-args", vmArgs.path, "--target-dir", next.path],
                          ["generate-appups", "--previous", roots[0].path, "--current", next.path],
                          ["generate-upgrade", "--previous", roots[0].path, "--current", next.path, "--output", directory.path]] {
            let result = try relswap(arguments)
            guard result.status == 0 else { throw ErlangOracle.Failure(description: result.standardError) }
        }
        return (roots, directory.appendingPathComponent("counter_2.tar.gz"))
    }

    /// Seed one's releases, as rebar2 users build them: `rel/snowflake` (version 1, listening on `port`, node `node`),
    /// `rel/snowflake_2`, their appups and `rel/snowflake_2.tar.gz`. Returns `rel`.
    static func snowflakeReleases(in directory: URL, port: Int, node: String, cookie: String) throws -> URL {
        let projects = try [1, 2].map { try SnowflakeProject.make($0, port: port, node: node, cookie: cookie, in: directory, name: "v\($0)") }
        let rel = projects[0].appendingPathComponent("rel")
        for (arguments, directory) in [(["generate", "--no-erts"], rel),
                                       (["generate", "--no-erts", "--target-dir", rel.appendingPathComponent("snowflake_2").path], projects[1].appendingPathComponent("rel")),
                                       (["generate-appups", "previous_release=snowflake", "--current", "snowflake_2"], rel),
                                       (["generate-upgrade", "previous_release=snowflake", "--current", "snowflake_2"], rel)] {
            let result = try relswap(arguments, in: directory)
            guard result.status == 0 else { throw ErlangOracle.Failure(description: "relswap \(arguments.joined(separator: " ")): \(result.standardError)") }
        }
        return rel
    }

    /// Seed one with the agent alone: requests keep flowing through the whole upgrade, none fails.
    @Test func snowflakeUpgradesUnderLoadThenDowngrades() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let port = try NodeEnvironment.freePort()
        let node = "snowflake_\(port)"
        let rel = try Self.snowflakeReleases(in: directory, port: port, node: node, cookie: "agent_cookie")
        let target = rel.appendingPathComponent("snowflake")
        nodes.watch(target.path)

        let script = target.appendingPathComponent("bin/snowflake").path
        #expect(try ErlangOracle.runCapturing(script, ["daemon"], environment: nodes.environment).status == 0)
        #expect(try HTTP.request("PUT", port: port, path: "/users/1234", body: "{\"password\":\"pass\"}").status == 201)
        let osPid = try ErlangOracle.runCapturing(script, ["pid"], environment: nodes.environment).standardOutput

        let loop = RequestLoop(port: port, path: "/users/1234")
        usleep(300_000)
        let upgrade = try AgentSupport.agent(["upgrade", rel.appendingPathComponent("snowflake_2.tar.gz").path, "--node", node, "--cookie", "agent_cookie"], nodes: nodes)
        usleep(300_000)
        let (sent, failures) = loop.stop()
        #expect(upgrade.status == 0, "\(upgrade.standardError)")
        #expect(upgrade.standardOutput == "\(node): upgraded snowflake 1 -> 2\n")
        #expect(sent > 20, "requests kept coming: \(sent)")
        #expect(failures.isEmpty, "\(failures.count) of \(sent) requests failed: \(failures.prefix(3))")
        #expect(try ErlangOracle.runCapturing(script, ["pid"], environment: nodes.environment).standardOutput == osPid, "the same emulator")
        #expect(try HTTP.request("GET", port: port, path: "/users/1234").body == "{\"userId\":\"1234\",\"password\":\"pass\"}")
        let releases = try AgentSupport.agent(["releases", "--node", node, "--cookie", "agent_cookie", "--json"], nodes: nodes)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(releases.standardOutput.utf8)) as? [String: Any])
        let known = try #require(((report["nodes"] as? [[String: Any]])?.first?["releases"]) as? [[String: Any]])
        #expect(known.map { "\($0["name"] ?? "") \($0["version"] ?? "") \($0["status"] ?? "")" } == ["snowflake 2 permanent", "snowflake 1 old"])
        #expect((known.first?["libs"] as? [String])?.contains("snowflake-2") == true)

        let downgrade = try AgentSupport.agent(["downgrade", "1", "--node", node, "--cookie", "agent_cookie"], nodes: nodes)
        #expect(downgrade.status == 0, "\(downgrade.standardError)")
        #expect(try HTTP.request("GET", port: port, path: "/users/1234").body == "{\"user_id\":\"1234\",\"password\":\"pass\"}")
        #expect(try ErlangOracle.runCapturing(script, ["stop"], environment: nodes.environment).status == 0)
    }

    @Test func aFailedHealthCheckRollsBackAndKeepsTheOldReleasePermanent() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let name = "counter_h\(nodes.epmdPort)"
        let (roots, archive) = try Self.counterReleases([name], cookie: "health", in: directory)
        nodes.watch(roots[0].path)
        let script = roots[0].appendingPathComponent("bin/counter").path
        #expect(try ErlangOracle.runCapturing(script, ["daemon"], environment: nodes.environment).status == 0)
        // counter:value() returns a number, not ok or true: the check fails.
        let upgrade = try AgentSupport.agent(["upgrade", archive.path, "--node", name, "--cookie", "health", "--health-call", "counter:value"], nodes: nodes)
        #expect(upgrade.status == 7, "\(upgrade.standardError)")
        #expect(upgrade.standardError.contains("counter:value() returned"))
        #expect(upgrade.standardError.contains("rolled back to 1, which stays permanent"))
        let vsn = try AgentSupport.agent(["call", "counter", "module_info", "[attributes]", "--node", name, "--cookie", "health"], nodes: nodes)
        #expect(vsn.standardOutput.contains("{vsn,[1]}"), "version 1's code runs again: \(vsn.standardOutput)")
        let releases = try AgentSupport.agent(["releases", "--node", name, "--cookie", "health"], nodes: nodes)
        #expect(releases.standardOutput.contains("counter 1 permanent"), "\(releases.standardOutput)")
        #expect(try ErlangOracle.runCapturing(script, ["stop"], environment: nodes.environment).status == 0)
    }

    @Test func threeCounterNodesAreUpgradedAsAFleet() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let names = ["fleet_a", "fleet_b", "fleet_c"].map { "\($0)\(nodes.epmdPort)" }
        let (roots, archive) = try Self.counterReleases(names, cookie: "fleet", in: directory)
        for root in roots {
            nodes.watch(root.path)
            #expect(try ErlangOracle.runCapturing(root.appendingPathComponent("bin/counter").path, ["daemon"], environment: nodes.environment).status == 0)
        }
        let upgrade = try AgentSupport.agent(["upgrade", archive.path, "--cookie", "fleet", "--canary", "1", "--parallel", "2", "--json"] + names.flatMap { ["--node", $0] }, nodes: nodes)
        #expect(upgrade.status == 0, "\(upgrade.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(upgrade.standardOutput.utf8)) as? [String: Any])
        #expect(report["command"] as? String == "upgrade" && report["ok"] as? Bool == true && report["exit_code"] as? Int == 0)
        let reports = try #require(report["nodes"] as? [[String: Any]])
        #expect(reports.map { $0["node"] as? String } == names)
        #expect(reports.allSatisfy { $0["ok"] as? Bool == true && $0["outcome"] as? String == "done" && $0["step"] is NSNull })
        // The canary alone first (batch 0), then the other two together (batch 1).
        #expect(reports.map { $0["batch"] as? Int } == [0, 1, 1])
        // A rerun finds every node at the target: unchanged, nothing done.
        let rerun = try AgentSupport.agent(["upgrade", archive.path, "--cookie", "fleet", "--json"] + names.flatMap { ["--node", $0] }, nodes: nodes)
        let again = (try JSONSerialization.jsonObject(with: Data(rerun.standardOutput.utf8)) as? [String: Any])?["nodes"] as? [[String: Any]]
        #expect(again?.map { $0["outcome"] as? String } == ["unchanged", "unchanged", "unchanged"], "\(rerun.standardOutput)")
        // call --json: the result as a value.
        let call = try AgentSupport.agent(["call", "maps", "from_list", "[[{count, 3}, {up, true}, {name, <<\"c\">>}, {seq, [1,2,3]}]]", "--node", names[0], "--cookie", "fleet", "--json"], nodes: nodes)
        let result = ((try JSONSerialization.jsonObject(with: Data(call.standardOutput.utf8)) as? [String: Any])?["nodes"] as? [[String: Any]])?.first
        let value = try #require(result?["result"] as? [String: Any], "\(call.standardOutput)")
        #expect(value["count"] as? Int == 3 && value["up"] as? Bool == true && value["name"] as? String == "c" && value["seq"] as? [Int] == [1, 2, 3])
        #expect(result?["result_text"] as? String == "#{count => 3,name => <<\"c\">>,seq => [1,2,3],up => true}")
        for name in names {
            let attributes = try AgentSupport.agent(["call", "counter", "module_info", "[attributes]", "--node", name, "--cookie", "fleet"], nodes: nodes)
            #expect(attributes.standardOutput.contains("{vsn,[2]}"), "\(name) runs version 2")
        }
        for root in roots { _ = try ErlangOracle.runCapturing(root.appendingPathComponent("bin/counter").path, ["stop"], environment: nodes.environment) }
    }

    /// Preflight: a node whose counter module was replaced by hand (loaded from elsewhere) stops the fleet upgrade
    /// before any node is touched, named with exit 10.
    @Test func aNodePatchedByHandStopsTheFleetBeforeAnyNodeIsTouched() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let names = ["pre_a", "pre_b"].map { "\($0)\(nodes.epmdPort)" }
        let (roots, archive) = try Self.counterReleases(names, cookie: "pre", in: directory)
        for root in roots {
            nodes.watch(root.path)
            #expect(try ErlangOracle.runCapturing(root.appendingPathComponent("bin/counter").path, ["daemon"], environment: nodes.environment).status == 0)
        }
        // On pre_b, counter is loaded from a beam outside its release (version 2's, by hand).
        let patch = directory.appendingPathComponent("lib2/counter-2/ebin/counter").path
        let loaded = try AgentSupport.agent(["call", "code", "load_abs", "[\"\(patch)\"]", "--node", names[1], "--cookie", "pre"], nodes: nodes)
        #expect(loaded.standardOutput.contains("{module,counter}"), "\(loaded.standardError)")

        let upgrade = try AgentSupport.agent(["upgrade", archive.path, "--cookie", "pre", "--json"] + names.flatMap { ["--node", $0] }, nodes: nodes)
        #expect(upgrade.status == 10, "\(upgrade.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(upgrade.standardOutput.utf8)) as? [String: Any])
        let outcomes = try #require(report["nodes"] as? [[String: Any]])
        #expect(outcomes.map { $0["outcome"] as? String } == ["skipped", "failed"])
        #expect(outcomes[1]["step"] as? String == "preflight" && outcomes[1]["exit_code"] as? Int == 10)
        #expect((outcomes[1]["message"] as? String)?.contains("patched by hand: counter") == true, "\(outcomes[1])")
        // No node was touched: pre_a still runs release 1 alone.
        let releases = try AgentSupport.agent(["releases", "--node", names[0], "--cookie", "pre"], nodes: nodes)
        #expect(releases.standardOutput == "\(names[0]): counter 1 permanent\n", "\(releases.standardOutput)")
        for root in roots { _ = try ErlangOracle.runCapturing(root.appendingPathComponent("bin/counter").path, ["stop"], environment: nodes.environment) }
    }
}
