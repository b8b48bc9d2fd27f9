import Foundation
import TestSupport
import Testing

/// An upgrade that changes OTP itself (the relup begins with `restart_new_emulator`): the snowflake seed built on
/// OTP 27 (erts 15) upgraded to a build on OTP 29 (erts 17) with Relswap's archive and relswap-agent, inside the
/// OTP 29 root, which runs both emulators. `scripts/otp-matrix sid` runs it, with OTP 27 bound into that root
/// (`RELSWAP_OLD_OTP_ROOT`); a run without a second OTP has nothing to upgrade from.
@Suite(.serialized, .timeLimit(.minutes(8)),
       .enabled(if: OTPRoot.older != nil, "needs a second, older OTP (RELSWAP_OLD_OTP_ROOT), which scripts/otp-matrix binds into the OTP 29 root"))
struct EmulatorUpgradeTests {
    struct Pair {
        var root: URL
        var archive: String
        var port: Int
        var node: String
        var older: OTPRoot
        var newErts: String

        func script(_ arguments: [String], _ nodes: NodeEnvironment) throws -> ErlangOracle.ProgramResult {
            try ErlangOracle.runCapturing(root.appendingPathComponent("bin/snowflake").path, arguments, environment: nodes.environment)
        }

        func eval(_ expression: String, _ nodes: NodeEnvironment) throws -> String {
            let result = try script(["eval", expression], nodes)
            guard result.status == 0 else { throw ErlangOracle.Failure(description: "eval \(expression): \(result.standardError)") }
            return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// PUT then GET of a new user: the JSON key says which snowflake answers (user_id: 1, userId: 2).
        func roundTrip(_ id: String) throws -> String {
            _ = try HTTP.request("PUT", port: port, path: "/users/\(id)", body: "{\"password\":\"p\"}")
            return try HTTP.request("GET", port: port, path: "/users/\(id)").body
        }

        func startErlData() throws -> String {
            try String(contentsOf: root.appendingPathComponent("releases/start_erl.data"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// After a failed upgrade: the node runs the old emulator at version 1, which stays permanent (in
        /// release_handler and in start_erl.data), and version 1's code answers; then it is stopped.
        func expectBackOnTheOldRelease(_ nodes: NodeEnvironment) throws {
            #expect(try eval("{erlang:system_info(version), element(2, init:script_id())}", nodes) == "{\"\(older.ertsVersion)\",\"1\"}")
            #expect(try eval("[V || {_, V, _, permanent} <- release_handler:which_releases()]", nodes) == "[\"1\"]")
            #expect(try startErlData() == "\(older.ertsVersion) 1")
            #expect(try roundTrip("back") == "{\"user_id\":\"back\",\"password\":\"p\"}")
            #expect(try script(["stop"], nodes).status == 0)
        }
    }

    /// Version 1 compiled and generated with OTP 27 and its erts, version 2 with OTP 29's, both with heart; the
    /// appups (OTP's own for kernel, stdlib, sasl and inets) and the archive, which carries erts-<new>.
    static func pair(in directory: URL, nodes: NodeEnvironment) throws -> Pair {
        let older = try #require(OTPRoot.older)
        let port = try NodeEnvironment.freePort()
        let node = "snowflake_\(port)"
        let tools = directory.appendingPathComponent("tools")
        try FileManager.default.createDirectory(at: tools, withIntermediateDirectories: true)
        let v1 = try SnowflakeProject.make(1, port: port, node: node, cookie: "emulator_cookie", in: directory, compiler: try older.erlc(in: tools))
        let v2 = try SnowflakeProject.make(2, port: port, node: node, cookie: "emulator_cookie", in: directory)
        let rel = v1.appendingPathComponent("rel")
        // OTP's inets appup restarts inets between these versions, which stops the httpd snowflake started inside
        // it: snowflake restarts too, by an override (what its maintainers would write).
        let overrides = directory.appendingPathComponent("appups")
        try FileManager.default.createDirectory(at: overrides, withIntermediateDirectories: true)
        try """
        {"2", [{"1", {replace, [{restart_application, snowflake}]}}], [{"1", {replace, [{restart_application, snowflake}]}}]}.

        """.write(to: overrides.appendingPathComponent("snowflake.appup"), atomically: true, encoding: .utf8)
        for (arguments, place) in [(["generate", "--erts-root", older.path, "--heart"], rel),
                                   (["generate", "--heart", "--target-dir", rel.appendingPathComponent("snowflake_2").path,
                                     "--previous", rel.appendingPathComponent("snowflake").path], v2.appendingPathComponent("rel")),
                                   (["generate-appups", "previous_release=snowflake", "--current", "snowflake_2", "--overrides", overrides.path], rel),
                                   (["generate-upgrade", "previous_release=snowflake", "--current", "snowflake_2"], rel)] {
            let result = try Products.run("relswap", arguments, currentDirectory: place)
            guard result.status == 0 else { throw ErlangOracle.Failure(description: "relswap \(arguments.joined(separator: " ")): \(result.standardError)") }
        }
        let root = rel.appendingPathComponent("snowflake")
        nodes.watch(root.path)
        let newErts = try ErlangOracle.evaluate("io:format(\"~s\", [erlang:system_info(version)])")
        return Pair(root: root, archive: rel.appendingPathComponent("snowflake_2.tar.gz").path, port: port, node: node, older: older, newErts: newErts)
    }


    @Test func snowflakeMovesFromOTP27ToOTP29InPlaceAndStaysThereAfterAColdRestart() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let pair = try Self.pair(in: directory, nodes: nodes)
        // kernel, stdlib and sasl restart with the new emulator: no hot-load risk is reported for them.
        let rel = pair.root.deletingLastPathComponent()
        let report = try Products.run("relswap", ["generate-appups", "--dry-run", "--json", "previous_release=snowflake", "--current", "snowflake_2"], currentDirectory: rel)
        let risks = (try JSONSerialization.jsonObject(with: Data(report.standardOutput.utf8)) as? [String: Any])?["risks"] as? [[String: Any]]
        #expect(risks?.contains { ["kernel", "stdlib", "sasl"].contains($0["application"] as? String ?? "") } == false, "\(report.standardOutput.prefix(600))")
        // The archive carries the new emulator (tar's listing, not ours).
        let listing = try ErlangOracle.runProgram("/usr/bin/env", ["tar", "tzf", pair.archive])
        #expect(listing.contains("erts-\(pair.newErts)/bin/beam.smp"), "the archive lacks erts-\(pair.newErts)")

        #expect(try pair.script(["daemon"], nodes).status == 0)
        #expect(try pair.eval("erlang:system_info(version)", nodes) == "\"\(pair.older.ertsVersion)\"")
        #expect(try pair.roundTrip("before") == "{\"user_id\":\"before\",\"password\":\"p\"}")
        let osPid = try pair.eval("os:getpid()", nodes)

        let upgrade = try Products.run("relswap-agent", ["upgrade", pair.archive, "--node", pair.node, "--cookie", "emulator_cookie"],
                                       environment: nodes.environment)
        #expect(upgrade.status == 0, "\(upgrade.standardError)")
        // The node: a new emulator process on erts 17, release 2 permanent, answering userId.
        #expect(try pair.eval("os:getpid()", nodes) != osPid)
        #expect(try pair.eval("erlang:system_info(version)", nodes) == "\"\(pair.newErts)\"")
        #expect(try pair.eval("lists:sort([{V, S} || {_, V, _, S} <- release_handler:which_releases()])", nodes) == "[{\"1\",old},{\"2\",permanent}]")
        #expect(try pair.startErlData() == "\(pair.newErts) 2")
        #expect(try pair.roundTrip("after") == "{\"userId\":\"after\",\"password\":\"p\"}")

        // A cold restart boots OTP 29 at version 2.
        #expect(try pair.script(["stop"], nodes).status == 0)
        #expect(try pair.script(["daemon"], nodes).status == 0)
        #expect(try pair.eval("{erlang:system_info(version), element(2, init:script_id())}", nodes) == "{\"\(pair.newErts)\",\"2\"}")
        #expect(try pair.roundTrip("cold") == "{\"userId\":\"cold\",\"password\":\"p\"}")
        #expect(try pair.script(["stop"], nodes).status == 0)
    }

    /// The new emulator is made unable to start after the unpack: heart's restart through bin/start falls back to
    /// the permanent release, the node comes back on OTP 27 at version 1, and the agent says so with a failure.
    @Test func whenTheNewEmulatorCannotStartTheNodeComesBackOnTheOldRelease() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let pair = try Self.pair(in: directory, nodes: nodes)
        #expect(try pair.script(["daemon"], nodes).status == 0)
        let agentArguments = ["--node", pair.node, "--cookie", "emulator_cookie"]
        let unpack = try Products.run("relswap-agent", ["unpack", pair.archive] + agentArguments, environment: nodes.environment)
        try #require(unpack.status == 0, "\(unpack.standardError)")
        // The unpacked emulator cannot run.
        let beam = pair.root.appendingPathComponent("erts-\(pair.newErts)/bin/beam.smp")
        try #require(FileManager.default.fileExists(atPath: beam.path))
        try FileManager.default.removeItem(at: beam)
        try "#!/bin/sh\necho 'this emulator is broken on purpose' >&2\nexit 1\n".write(to: beam, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: beam.path)

        let upgrade = try Products.run("relswap-agent", ["upgrade", pair.archive] + agentArguments, environment: nodes.environment)
        #expect(upgrade.status == 6, "\(upgrade.standardOutput) \(upgrade.standardError)")
        #expect(upgrade.standardError.contains("the new emulator did not come up"), "\(upgrade.standardError)")
        // Back on OTP 27 at version 1, which stays permanent.
        try pair.expectBackOnTheOldRelease(nodes)
    }

    /// The new emulator comes up but the health check fails there: the agent reboots the node, which boots the
    /// permanent release on the old emulator, waits for it, and says so, with the health check's exit status.
    @Test func aFailedHealthCheckOnTheNewEmulatorRebootsIntoTheOldRelease() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let pair = try Self.pair(in: directory, nodes: nodes)
        #expect(try pair.script(["daemon"], nodes).status == 0)
        // init:get_status/0 answers a tuple, not ok or true: the health check fails on the new emulator.
        let upgrade = try Products.run("relswap-agent", ["upgrade", pair.archive, "--node", pair.node, "--cookie", "emulator_cookie",
                                                         "--health-call", "init:get_status"], environment: nodes.environment)
        #expect(upgrade.status == 7, "\(upgrade.standardOutput) \(upgrade.standardError)")
        #expect(upgrade.standardError.contains("rolled back: the node rebooted into 1 on erts \(pair.older.ertsVersion)"), "\(upgrade.standardError)")
        try pair.expectBackOnTheOldRelease(nodes)
    }
}
