import ErlangTerm
import Foundation
import TestSupport
import Testing

enum AgentSupport {
    static func agent(_ arguments: [String], nodes: NodeEnvironment) throws -> ErlangOracle.ProgramResult {
        try Products.run("relswap-agent", arguments, environment: nodes.environment)
    }

    /// A bare `erl -sname` node on loopback; stopped by pid at the end of the test.
    static func startNode(_ name: String, cookie: String, nodes: NodeEnvironment) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ErlangOracle.executable("erl"))
        process.arguments = ["-sname", name, "-setcookie", cookie, "-noshell", "-noinput", "-kernel", "inet_dist_use_interface", "{127,0,0,1}"]
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in nodes.environment where key != "ERL_AFLAGS" { environment[key] = value }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<50 {
            if try agent(["call", "erlang", "node", "--node", name, "--cookie", cookie, "--timeout", "2"], nodes: nodes).status == 0 { return process }
            usleep(200_000)
        }
        process.terminate()
        throw ErlangOracle.Failure(description: "node \(name) did not come up")
    }

    static func stop(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite(.serialized) struct AgentConnectionTests {
    @Test func handshakeAndCallsAgainstARealNode() throws {
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let node = try AgentSupport.startNode("agent_calls", cookie: "sesame", nodes: nodes)
        defer { AgentSupport.stop(node) }
        func call(_ arguments: [String]) throws -> ErlangOracle.ProgramResult {
            try AgentSupport.agent(["call"] + arguments + ["--node", "agent_calls", "--cookie", "sesame"], nodes: nodes)
        }
        let name = try call(["erlang", "node"])
        #expect(name.status == 0)
        #expect(name.standardOutput.hasPrefix("agent_calls: agent_calls@"), "\(name.standardOutput)")
        #expect(try call(["lists", "append", "[\"ab\", \"cd\"]"]).standardOutput == "agent_calls: \"abcd\"\n")
        #expect(try call(["erlang", "byte_size", "[<<1,2,3,4>>]"]).standardOutput == "agent_calls: 4\n")
        #expect(try call(["erlang", "list_to_binary", "[\"é\"]"]).standardOutput == "agent_calls: <<\"é\">>\n")
        // We are hidden: the node does not list us among its visible nodes.
        #expect(try call(["erlang", "nodes", "[]"]).standardOutput == "agent_calls: []\n")
        let raised = try call(["erlang", "error", "[boom]"])
        #expect(raised.status == 1)
        #expect(raised.standardError.contains("erlang:error failed on the node: {'EXIT',{boom,"))
        let started = Date()
        let slow = try AgentSupport.agent(["call", "timer", "sleep", "[10000]", "--node", "agent_calls", "--cookie", "sesame", "--timeout", "1"], nodes: nodes)
        #expect(slow.status == 1)
        #expect(slow.standardError.contains("did not answer within 1 s"))
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func aWrongCookieAndAMissingNodeAreClearAndQuick() throws {
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let node = try AgentSupport.startNode("agent_cookie", cookie: "right", nodes: nodes)
        defer { AgentSupport.stop(node) }
        let started = Date()
        let refused = try AgentSupport.agent(["releases", "--node", "agent_cookie", "--cookie", "Xq7notTheCookie"], nodes: nodes)
        #expect(refused.status == 3)
        #expect(refused.standardError.contains("refused the connection: it closed the connection after our answer to its challenge: the cookie is wrong"))
        #expect(!(refused.standardError + refused.standardOutput).contains("Xq7notTheCookie"), "the cookie is never printed")
        let missing = try AgentSupport.agent(["releases", "--node", "nobody_here", "--cookie", "right"], nodes: nodes)
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("no node named nobody_here is registered with epmd"))
        let noEPMD = try Products.run("relswap-agent", ["releases", "--node", "x", "--cookie", "c", "--epmd-port", String(try NodeEnvironment.freePort())],
                                      environment: nodes.environment)
        #expect(noEPMD.status == 2)
        #expect(noEPMD.standardError.contains("epmd is not answering"))
        #expect(Date().timeIntervalSince(started) < 10, "none of them hangs")
    }

    @Test func theCookieComesFromTheEnvironmentOrTheCookieFile() throws {
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let node = try AgentSupport.startNode("agent_env", cookie: "from_env", nodes: nodes)
        defer { AgentSupport.stop(node) }
        var environment = nodes.environment
        environment["RELSWAP_COOKIE"] = "from_env"
        #expect(try Products.run("relswap-agent", ["call", "erlang", "node", "--node", "agent_env"], environment: environment).status == 0)
        let cookieFile = nodes.home.appendingPathComponent(".erlang.cookie")
        try "from_env\n".write(to: cookieFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: cookieFile.path)  // as OTP requires
        #expect(try AgentSupport.agent(["call", "erlang", "node", "--node", "agent_env"], nodes: nodes).status == 0)
    }
}
