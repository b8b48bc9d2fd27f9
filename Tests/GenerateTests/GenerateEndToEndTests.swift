import Foundation
import TestSupport
import Testing

/// `relswap generate`, then the release started with `bin/<name> daemon` on loopback with a private epmd,
/// checked with real HTTP requests and calls, and stopped with `bin/<name> stop` leaving no process.
@Suite(.serialized) struct GenerateEndToEndTests {
    @Test func snowflakeFromReltoolConfigServesTheSeedAPI() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let project = try GenerateSupport.snowflakeProject(version: 1, in: directory)
        let port = try NodeEnvironment.freePort()
        let rel = project.appendingPathComponent("rel")
        // The project's own sys.config, with a free port, installed by the reltool overlay.
        let sysConfig = rel.appendingPathComponent("files/sys.config")
        let text = try String(contentsOf: sysConfig, encoding: .utf8).replacingOccurrences(of: "{port, 8080}", with: "{port, \(port)}")
        try text.write(to: sysConfig, atomically: true, encoding: .utf8)
        let vars = rel.appendingPathComponent("vars.config")
        try "{node, \"snowflake_\(port)\"}.\n{cookie, \"cookie_\(port)\"}.\n".write(to: vars, atomically: true, encoding: .utf8)

        let generated = try GenerateSupport.relswap(["generate"], in: rel)
        try #require(generated.status == 0, "\(generated.standardError)")
        let target = rel.appendingPathComponent("snowflake")
        nodes.watch(target.path)
        let script = target.appendingPathComponent("bin/snowflake").path

        let daemon = try ErlangOracle.runCapturing(script, ["daemon"], environment: nodes.environment)
        try #require(daemon.status == 0, "daemon: \(daemon.standardError)")
        let created: HTTP.Response
        do {
            created = try HTTP.request("PUT", port: port, path: "/users/1234", body: "{\"password\":\"pass\"}")
        } catch {
            let log = (try? String(contentsOf: target.appendingPathComponent("log/erlang.log.1"), encoding: .utf8)) ?? "(no log)"
            Issue.record("\(error); the node's log:\n\(log.suffix(3000))")
            return
        }
        #expect(created.status == 201)
        #expect(created.headers["location"] == "/users/1234")
        #expect(created.body == "{\"user_id\":\"1234\",\"password\":\"pass\"}")
        let fetched = try HTTP.request("GET", port: port, path: "/users/1234")
        #expect(fetched.status == 200)
        #expect(fetched.body == "{\"user_id\":\"1234\",\"password\":\"pass\"}")
        #expect(try HTTP.request("GET", port: port, path: "/users/99").status == 404)
        #expect(try HTTP.request("PUT", port: port, path: "/users/5", body: "{\"password\": 7}").status == 400)
        #expect(try HTTP.request("PUT", port: port, path: "/users/5", body: "not json").status == 400)

        let ping = try ErlangOracle.runCapturing(script, ["ping"], environment: nodes.environment)
        #expect(ping.status == 0 && ping.standardOutput == "pong\n")
        let versions = try ErlangOracle.runCapturing(script, ["versions"], environment: nodes.environment)
        #expect(versions.standardOutput == "snowflake 1 permanent\n", "release_handler reads our RELEASES: \(versions.standardError)")
        let root = try ErlangOracle.runCapturing(script, ["eval", "code:root_dir()"], environment: nodes.environment)
        #expect(root.standardOutput == "\"\(target.resolvingSymlinksInPath().path)\"\n", "the node runs from the release: \(root.standardError)")
        let pid = try ErlangOracle.runCapturing(script, ["pid"], environment: nodes.environment).standardOutput
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int32(pid) != nil)

        let stop = try ErlangOracle.runCapturing(script, ["stop"], environment: nodes.environment)
        #expect(stop.status == 0, "stop: \(stop.standardError)")
        #expect(kill(Int32(pid) ?? 0, 0) != 0, "the emulator (pid \(pid)) has exited")
        #expect(NodeEnvironment.processes(mentioning: target.path).isEmpty, "no process of the release is left")
        let after = try ErlangOracle.runCapturing(script, ["ping"], environment: nodes.environment)
        #expect(after.status == 1)
    }

    @Test func counterFromFlagsCountsUpAndStops() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let lib = directory.appendingPathComponent("lib")
        try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("counter/v1"), libDirectory: lib, version: "1")
        let vmArgs = directory.appendingPathComponent("vm.args")
        try "-sname counter_\(nodes.epmdPort)\n-setcookie counter_cookie\n".write(to: vmArgs, atomically: true, encoding: .utf8)
        let target = directory.appendingPathComponent("rel/counter")
        nodes.watch(target.path)
        let generated = try GenerateSupport.relswap(["generate", "--name", "counter", "--release-version", "1", "--app", "counter",
                                                     "--lib-dir", lib.path, "--vm-args", vmArgs.path], in: directory)
        try #require(generated.status == 0, "\(generated.standardError)")
        let script = target.appendingPathComponent("bin/counter").path
        let daemon = try ErlangOracle.runCapturing(script, ["daemon"], environment: nodes.environment)
        try #require(daemon.status == 0, "daemon: \(daemon.standardError)")
        func value() throws -> Int {
            let result = try ErlangOracle.runCapturing(script, ["eval", "counter:value()"], environment: nodes.environment)
            return Int(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        let first = try value()
        usleep(1_000_000)
        let second = try value()
        #expect(first >= 0 && second > first, "the counter rises: \(first) then \(second)")
        let vsn = try ErlangOracle.runCapturing(script, ["eval", "proplists:get_value(vsn, counter:module_info(attributes))"], environment: nodes.environment)
        #expect(vsn.standardOutput == "[1]\n")
        #expect(try ErlangOracle.runCapturing(script, ["stop"], environment: nodes.environment).status == 0)
        #expect(NodeEnvironment.processes(mentioning: target.path).isEmpty, "no process of the release is left")
    }
}
