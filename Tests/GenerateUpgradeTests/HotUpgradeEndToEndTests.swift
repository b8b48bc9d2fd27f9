import ErlangTerm
import Foundation
import TestSupport
import Testing

/// The seeds, upgraded in place on running nodes: relswap generate, generate-appups, generate-upgrade,
/// then release_handler on the node (through bin/<name> eval, a real distribution connection).
@Suite(.serialized) struct HotUpgradeEndToEndTests {
    static func relswap(_ arguments: [String], in directory: URL? = nil) throws -> ErlangOracle.ProgramResult {
        try Products.run("relswap", arguments, currentDirectory: directory)
    }

    @Test func snowflakeChangesItsJSONKeyWithoutStopping() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let port = try NodeEnvironment.freePort()
        let node = "snowflake_\(port)"
        let v1 = try SnowflakeProject.make(1, port: port, node: node, cookie: "upgrade_cookie", in: directory)
        let rel = v1.appendingPathComponent("rel")
        let target = rel.appendingPathComponent("snowflake")
        nodes.watch(target.path)
        try #require(try Self.relswap(["generate", "--no-erts"], in: rel).status == 0)
        let script = target.appendingPathComponent("bin/snowflake").path
        func run(_ arguments: [String]) throws -> String {
            let result = try ErlangOracle.runCapturing(script, arguments, environment: nodes.environment)
            #expect(result.status == 0, "bin/snowflake \(arguments.joined(separator: " ")): \(result.standardError)")
            return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try run(["daemon"])
        #expect(try HTTP.request("PUT", port: port, path: "/users/1234", body: "{\"password\":\"pass\"}").status == 201)
        #expect(try HTTP.request("GET", port: port, path: "/users/1234").body == "{\"user_id\":\"1234\",\"password\":\"pass\"}")
        let osPid = try run(["pid"])
        let userPid = try run(["eval", "whereis(snowflake_user)"])

        // Version 2, generated beside version 1, then the appup and the upgrade, rebar2-style.
        let v2 = try SnowflakeProject.make(2, port: port, node: node, cookie: "upgrade_cookie", in: directory)
        let generated = try Self.relswap(["generate", "--no-erts", "--target-dir", rel.appendingPathComponent("snowflake_2").path], in: v2.appendingPathComponent("rel"))
        try #require(generated.status == 0, "\(generated.standardError)")
        let appups = try Self.relswap(["generate-appups", "previous_release=snowflake", "--current", "snowflake_2"], in: rel)
        try #require(appups.status == 0, "\(appups.standardError)")
        let upgrade = try Self.relswap(["generate-upgrade", "previous_release=snowflake", "--current", "snowflake_2"], in: rel)
        try #require(upgrade.status == 0, "\(upgrade.standardError)")
        try FileManager.default.copyItem(at: rel.appendingPathComponent("snowflake_2.tar.gz"),
                                         to: target.appendingPathComponent("releases/snowflake_2.tar.gz"))

        #expect(try run(["eval", "release_handler:unpack_release(\"snowflake_2\")"]) == "{ok,\"2\"}")
        #expect(try run(["eval", "release_handler:install_release(\"2\")"]) == "{ok,\"1\",[]}")
        #expect(try run(["eval", "release_handler:make_permanent(\"2\")"]) == "ok")
        #expect(try HTTP.request("GET", port: port, path: "/users/1234").body == "{\"userId\":\"1234\",\"password\":\"pass\"}",
                "the new key, and the user written before the upgrade")
        #expect(try run(["pid"]) == osPid, "the same emulator")
        #expect(try run(["eval", "whereis(snowflake_user)"]) == userPid, "the same user process")

        // Downgrade: the old key, the data kept.
        #expect(try run(["eval", "release_handler:install_release(\"1\")"]) == "{ok,\"1\",[]}")
        #expect(try HTTP.request("GET", port: port, path: "/users/1234").body == "{\"user_id\":\"1234\",\"password\":\"pass\"}")
        #expect(try run(["pid"]) == osPid)

        // Up again, permanent, and a restart boots version 2.
        #expect(try run(["eval", "release_handler:install_release(\"2\")"]) == "{ok,\"1\",[]}")
        #expect(try run(["eval", "release_handler:make_permanent(\"2\")"]) == "ok")
        _ = try run(["stop"])
        _ = try run(["daemon"])
        #expect(try run(["versions"]).contains("snowflake 2 permanent"))
        #expect(try HTTP.request("PUT", port: port, path: "/users/7", body: "{\"password\":\"x\"}").body == "{\"userId\":\"7\",\"password\":\"x\"}")
        _ = try run(["stop"])
        #expect(NodeEnvironment.processes(mentioning: target.path).isEmpty)
    }

    @Test func counterMovesItsStateOnInPlaceWithADeltaArchive() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let release = try LiveRelease(fixture: "counter", name: "counter", in: directory, nodes: nodes)
        func value() throws -> Int { Int(try release.eval("counter:value()")) ?? -1 }
        try release.run(["daemon"])
        #expect(try Poll.until(seconds: 10) { try value() > 0 }, "the counter counts")
        let before = try value()
        let pid = try release.eval("whereis(counter)")

        try release.prepareUpgrade(extra: ["--delta"])
        #expect(try release.eval("release_handler:unpack_release(\"counter_2\")") == "{ok,\"2\"}")
        #expect(try release.eval("release_handler:install_release(\"2\")") == "{ok,\"1\",[]}")
        let after = try value()
        #expect(after >= before + 1000, "code_change(1, Count, _) added 1000: \(before) -> \(after)")
        #expect(try release.eval("whereis(counter)") == pid, "the same process")
        #expect(try release.eval("proplists:get_value(vsn, counter:module_info(attributes))") == "[2]")
        var later = after
        #expect(try Poll.until(seconds: 10) { later = try value(); return later >= after + 4 })
        #expect((later - after) % 2 == 0, "counting by 2: \(after) -> \(later)")

        #expect(try release.eval("release_handler:install_release(\"1\")") == "{ok,\"1\",[]}")
        #expect(try release.eval("proplists:get_value(vsn, counter:module_info(attributes))") == "[1]")
        #expect(try value() >= later, "the count is kept on downgrade")
        #expect(try release.eval("whereis(counter)") == pid)
        try release.run(["stop"])
        #expect(Poll.until(seconds: 10) { NodeEnvironment.processes(mentioning: release.running.path).isEmpty })
    }
}
