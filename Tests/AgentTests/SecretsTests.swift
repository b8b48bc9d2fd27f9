import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Where the cookie lives and who can see it.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SecretsTests {
    static func mode(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1
    }

    /// vm.args holds the cookie: 0600 whether relswap wrote it or copied the project's, whatever the umask.
    @Test func vmArgsWithACookieAreOwnerOnly() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lib = directory.appendingPathComponent("lib")
        try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("counter/v1"), libDirectory: lib, version: "1")
        let projectArgs = directory.appendingPathComponent("vm.args")
        try "-sname counter\n-setcookie project_cookie\n".write(to: projectArgs, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: projectArgs.path)
        for (label, extra) in [("generated", [String]()), ("copied", ["--vm-args", projectArgs.path])] {
            let target = directory.appendingPathComponent(label)
            let result = try Products.run("relswap", ["generate", "--no-erts", "--name", "counter", "--release-version", "1", "--app", "counter",
                                                      "--lib-dir", lib.path, "--target-dir", target.path] + extra)
            try #require(result.status == 0, "\(result.standardError)")
            #expect(try Self.mode(target.appendingPathComponent("releases/1/vm.args")) == 0o600, "\(label)")
        }
    }

    /// bin/<name>'s control commands never put the cookie on a command line: seen by ps on the node while one runs.
    @Test func controlCommandsKeepTheCookieOffTheCommandLine() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let release = try LiveRelease(fixture: "counter", name: "counter", in: directory, nodes: nodes)
        try release.run(["daemon"])
        // The command lines of the control node that is asking, as ps shows them on the machine.
        let control = try release.eval("[L || L <- string:split(os:cmd(\"ps -eo args\"), \"\\n\", all), string:find(L, \"relswap_ctl_\") =/= nomatch]")
        #expect(control.contains("relswap_ctl_"), "ps shows the control node that asked: \(control)")
        #expect(!control.contains("counter_cookie"), "\(control)")
        #expect(try release.run(["ping"]) == "pong", "and the cookie still reaches the node")
        try release.run(["stop"])
    }

    /// A ~/.erlang.cookie others can read is refused by OTP (the oracle) and by the agent, which says how to fix it.
    @Test func aWorldReadableCookieFileIsRefused() throws {
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let cookie = nodes.home.appendingPathComponent(".erlang.cookie")
        try "loose_cookie".write(to: cookie, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: cookie.path)
        let otp = try ErlangOracle.runCapturing(try ErlangOracle.executable("erl"), ["-noshell", "-sname", "cookie_probe_\(nodes.epmdPort)", "-eval", "halt(0)"],
                                                environment: nodes.environment)
        #expect(otp.status != 0, "OTP refuses the file: \(otp.standardOutput) \(otp.standardError)")
        let agent = try Products.run("relswap-agent", ["releases", "--node", "somewhere_\(nodes.epmdPort)"], environment: nodes.environment)
        #expect(agent.status == 3)
        #expect(agent.standardError.contains("\(cookie.path) can be read by others (mode 644)") && agent.standardError.contains("chmod 400"), "\(agent.standardError)")
        #expect(!agent.standardError.contains("loose_cookie"), "the cookie is never printed")
    }

    /// Bad --node values are usage errors (64), never a trap.
    @Test(arguments: ["", "@host", String(repeating: "n", count: 65_535), "a b@c"])
    func aBadNodeNameIsAUsageError(node: String) throws {
        let result = try Products.run("relswap-agent", ["releases", "--node", node, "--cookie", "x"])
        #expect(result.status == 64, "\(result.standardError.prefix(200))")
    }
}
