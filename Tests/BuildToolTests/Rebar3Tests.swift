import ErlangTerm
import Foundation
import TestSupport
import Testing

/// rebar3/relx: both versions built by `rebar3 release` into one _build, the running node started with relx's
/// own `bin/<name> daemon`, and the upgrade applied by relswap-agent.
@Suite(.serialized) struct Rebar3Tests {
    @Test func aRelxReleaseIsUpgradedInPlace() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let port = try NodeEnvironment.freePort()
        let node = "snowflake_r3_\(port)"
        let project = directory.appendingPathComponent("snowflake")
        try FileManager.default.copyItem(at: ErlangBuild.fixture("snowflake-rebar3"), to: project)
        let source = project.appendingPathComponent("src")
        try FileManager.default.copyItem(at: ErlangBuild.fixture("snowflake/v1/src"), to: source)
        try "[{snowflake, [{port, \(port)}]}].\n".write(to: project.appendingPathComponent("config/sys.config"), atomically: true, encoding: .utf8)
        try "-sname \(node)\n-setcookie snowflake_rebar3\n".write(to: project.appendingPathComponent("config/vm.args"), atomically: true, encoding: .utf8)
        let rebar3 = try ErlangOracle.executable("rebar3")
        let build = try ErlangOracle.runCapturing(rebar3, ["release"], environment: nodes.environment, currentDirectory: project)
        try #require(build.status == 0, "rebar3 release: \(build.standardOutput) \(build.standardError)")

        // The running copy, as `rebar3 tar` and an extraction would leave it, started by relx's script.
        let rel = project.appendingPathComponent("_build/default/rel/snowflake")
        let target = directory.appendingPathComponent("target")
        try FileManager.default.copyItem(at: rel, to: target)
        nodes.watch(target.path)
        var environment = nodes.environment
        environment["RELX_OUT_FILE_PATH"] = directory.path
        let daemon = try ErlangOracle.runCapturing(target.appendingPathComponent("bin/snowflake").path, ["daemon"], environment: environment)
        try #require(daemon.status == 0, "\(daemon.standardError)")
        var up = false
        for _ in 0..<50 where !up {
            up = (try? HTTP.request("PUT", port: port, path: "/users/1234", body: "{\"password\":\"pass\"}").status) == 201
            if !up { usleep(200_000) }
        }
        try #require(up, "relx's node serves the API")

        // Version 2 in the same checkout: relx keeps both versions in _build/default/rel/snowflake.
        try FileManager.default.removeItem(at: source)
        try FileManager.default.copyItem(at: ErlangBuild.fixture("snowflake/v2/src"), to: source)
        let config = project.appendingPathComponent("rebar.config")
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "{snowflake, \"1\"}", with: "{snowflake, \"2\"}")
            .write(to: config, atomically: true, encoding: .utf8)
        let build2 = try ErlangOracle.runCapturing(rebar3, ["release"], environment: nodes.environment, currentDirectory: project)
        try #require(build2.status == 0, "\(build2.standardError)")
        for arguments in [["generate-appups", "--current", rel.path], ["generate-upgrade", "--current", rel.path]] {
            let result = try Products.run("relswap", arguments)
            try #require(result.status == 0, "relswap \(arguments[0]): \(result.standardError)")
            #expect(result.standardOutput.contains("1 -> 2"), "one root, versions 1 and 2: \(result.standardOutput)")
        }
        let pid = try AgentSupportR3.agent(["call", "os", "getpid", "[]", "--node", node, "--cookie", "snowflake_rebar3"], nodes: nodes).standardOutput
        let upgrade = try AgentSupportR3.agent(["upgrade", project.appendingPathComponent("_build/default/rel/snowflake_2.tar.gz").path,
                                                "--node", node, "--cookie", "snowflake_rebar3"], nodes: nodes)
        #expect(upgrade.status == 0, "\(upgrade.standardError)")
        #expect(try HTTP.request("GET", port: port, path: "/users/1234").body == "{\"userId\":\"1234\",\"password\":\"pass\"}")
        #expect(try AgentSupportR3.agent(["call", "os", "getpid", "[]", "--node", node, "--cookie", "snowflake_rebar3"], nodes: nodes).standardOutput == pid)
        _ = try ErlangOracle.runCapturing(target.appendingPathComponent("bin/snowflake").path, ["stop"], environment: environment)
    }
}

enum AgentSupportR3 {
    static func agent(_ arguments: [String], nodes: NodeEnvironment) throws -> ErlangOracle.ProgramResult {
        try Products.run("relswap-agent", arguments, environment: nodes.environment)
    }
}
