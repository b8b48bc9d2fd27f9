import Foundation
import TestSupport
import Testing

/// Faults injected mid-upgrade on a live snowflake node serving requests: the agent killed, the node killed, the
/// connection cut, at each of unpack, install, health check and make_permanent. The agent pauses at the step
/// (`RELSWAP_FAILPOINT`, after the step's call is on the wire), the fault is made to happen there, and then:
/// - the node is on one release: the one release_handler calls current is the one whose code answers requests;
/// - a rerun of the same command brings it to version 2, permanent, with version 2's code loaded (by md5);
/// - nothing is half-written: every directory under `lib/` and `releases/` belongs to a release the node knows, and
///   no temporary file is left;
/// - where the node was not killed, no request failed and no acknowledged write was lost, through fault and rerun.
@Suite(.serialized, .timeLimit(.minutes(10))) struct FaultMatrixTests {
    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        case killAgent, killNode, cutConnection
        var testDescription: String { rawValue }
    }

    static let points = ["release_handler:unpack_release", "release_handler:install_release", "health", "release_handler:make_permanent"]

    @Test(arguments: Fault.allCases) func aRerunConvergesAfterAFaultAtEveryStep(fault: Fault) throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let port = try NodeEnvironment.freePort()
        let node = "snowflake_\(port)"
        let rel = try AgentUpgradeTests.snowflakeReleases(in: directory, port: port, node: node, cookie: "fault_cookie")
        let pristine = rel.appendingPathComponent("snowflake")
        let archive = rel.appendingPathComponent("snowflake_2.tar.gz").path
        let command = ["upgrade", archive, "--node", node, "--cookie", "fault_cookie", "--health-url", "http://127.0.0.1:\(port)/users/seed"]
        for (index, point) in Self.points.enumerated() {
            let root = directory.appendingPathComponent("cell\(index)")
            try FileManager.default.copyItem(at: pristine, to: root)
            nodes.watch(root.path)
            try Cell(root: root, port: port, nodes: nodes, fault: fault, point: point, command: command).run()
        }
    }

    /// One fault at one point, on a fresh copy of the version 1 release.
    struct Cell {
        let root: URL
        let port: Int
        let nodes: NodeEnvironment
        let fault: Fault
        let point: String
        let command: [String]

        var label: String { "\(fault.rawValue) at \(point)" }

        func script(_ arguments: [String]) throws -> ErlangOracle.ProgramResult {
            try ErlangOracle.runCapturing(root.appendingPathComponent("bin/snowflake").path, arguments, environment: nodes.environment)
        }

        func eval(_ expression: String) throws -> String {
            let result = try script(["eval", expression])
            guard result.status == 0 else { throw ErlangOracle.Failure(description: "\(label): eval \(expression): \(result.standardError)") }
            return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Boots the node and writes the user the health check reads (users live in the node's memory).
        func start() throws {
            let started = try script(["daemon"])
            guard started.status == 0 else { throw ErlangOracle.Failure(description: "\(label): daemon: \(started.standardError)") }
            let up = Poll.until(seconds: 30) { (try? HTTP.request("GET", port: port, path: "/users/none"))?.status == 404 }
            guard up else { throw ErlangOracle.Failure(description: "\(label): snowflake did not answer on \(port)") }
            let seeded = try HTTP.request("PUT", port: port, path: "/users/seed", body: "{\"password\":\"s\"}")
            guard seeded.status == 201 else { throw ErlangOracle.Failure(description: "\(label): PUT /users/seed answered \(seeded.status)") }
        }

        /// The agent with the failpoint set, paused there (it says so in the file RELSWAP_FAILPOINT_FILE names), or a
        /// failure if it never got there.
        func agentStoppedAtFailpoint() throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Products.executable("relswap-agent"))
            process.arguments = command
            var environment = ProcessInfo.processInfo.environment
            for (key, value) in nodes.environment { environment[key] = value }
            environment["RELSWAP_FAILPOINT"] = point
            let notice = root.appendingPathComponent("failpoint")
            environment["RELSWAP_FAILPOINT_FILE"] = notice.path
            process.environment = environment
            let log = root.appendingPathComponent("agent.log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let output = try FileHandle(forWritingTo: log)
            defer { try? output.close() }
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let paused = Poll.until(seconds: 60, interval: 0.005) { FileManager.default.fileExists(atPath: notice.path) || !process.isRunning }
            guard paused, process.isRunning else {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                let said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw ErlangOracle.Failure(description: "\(label): the agent never reached the failpoint (exit \(process.terminationStatus)): \(said)")
            }
            return process
        }

        /// Ends the failpoint's pause.
        static func release(_ agent: Process) {
            kill(agent.processIdentifier, SIGUSR1)
        }

        /// The version whose code answers requests: 1 names the id `user_id`, 2 `userId`.
        func servedVersion() throws -> String {
            let body = try HTTP.request("GET", port: port, path: "/users/seed").body
            return body.contains("\"userId\"") ? "2" : body.contains("\"user_id\"") ? "1" : "? (\(body))"
        }

        /// release_handler's current release: the one marked current, else the permanent one.
        func currentVersion() throws -> String {
            try eval("case [V || {_, V, _, current} <- release_handler:which_releases()] of [C] -> C; [] -> hd([V || {_, V, _, permanent} <- release_handler:which_releases()]) end")
        }

        func run() throws {
            try start()
            let nodePid = try #require(Int32(try eval("os:getpid()").trimmingCharacters(in: CharacterSet(charactersIn: "\""))))
            var load: WriteLoad? = fault == .killNode ? nil : WriteLoad(port: port, prefix: "w")
            let agent = try agentStoppedAtFailpoint()
            switch fault {
            case .killAgent:
                kill(agent.processIdentifier, SIGKILL)
            case .killNode:
                kill(nodePid, SIGKILL)
                #expect(Poll.until(seconds: 30) { kill(nodePid, 0) != 0 }, "\(label): the node is gone")
                Self.release(agent)
            case .cutConnection:
                // The node drops the agent's connection, as a network cut ends it.
                _ = try eval("[erlang:disconnect_node(N) || N <- nodes(hidden), lists:prefix(\"relswap_agent\", atom_to_list(N))]")
                Self.release(agent)
            }
            #expect(Poll.until(seconds: 60) { !agent.isRunning }, "\(label): the interrupted agent ended")
            agent.waitUntilExit()
            if fault == .killNode {
                try start()
                load = WriteLoad(port: port, prefix: "w")
            }
            // Between the fault and the rerun: one release, the one whose code runs.
            #expect(try currentVersion() == "\"\(try servedVersion())\"", "\(label): release_handler's current release is the one serving")

            let rerun = try Products.run("relswap-agent", command, environment: nodes.environment)
            let outcome = load?.stop()
            #expect(rerun.status == 0, "\(label): the rerun: \(rerun.standardError)")
            let releases = try eval("lists:sort([{V, S} || {_, V, _, S} <- release_handler:which_releases()])")
            #expect(releases == "[{\"1\",old},{\"2\",permanent}]", "\(label): the releases are \(releases); the rerun said \(rerun.standardOutput)")
            #expect(try servedVersion() == "2", "\(label)")
            // Version 2's code is what is loaded: the module in memory has the md5 of lib/snowflake-2's beam.
            #expect(try eval("{ok, {_, Md5}} = beam_lib:md5(code:which(snowflake_web)), {filename:basename(filename:dirname(filename:dirname(code:which(snowflake_web)))), Md5 =:= snowflake_web:module_info(md5)}") == "{\"snowflake-2\",true}", "\(label)")
            // Nothing half-written: lib/ and releases/ hold what the node's releases name, and no temporary.
            let known = try eval("lists:usort(lists:append([[filename:basename(L) || L <- Libs] || {_, _, Libs, _} <- release_handler:which_releases()]))")
            let present = try eval("lists:usort(filelib:wildcard(\"*\", \"lib\"))")
            #expect(present == known, "\(label): lib/ holds \(present), the releases name \(known)")
            #expect(try eval("lists:usort([D || D <- filelib:wildcard(\"*\", \"releases\"), filelib:is_dir(filename:join(\"releases\", D))])") == "[\"1\",\"2\"]", "\(label)")
            let temporaries = try eval("filelib:wildcard(\"**/*.relswap-*\")")
            #expect(temporaries == "[]", "\(label): temporaries left: \(temporaries)")
            if let outcome {
                #expect(outcome.sent > 20, "\(label): requests kept coming (\(outcome.sent))")
                #expect(outcome.failures.isEmpty, "\(label): \(outcome.failures.count) of \(outcome.sent) requests failed: \(outcome.failures.prefix(3))")
                let lost = WriteLoad.lost(outcome.acknowledged + ["seed"], port: port)
                #expect(lost.isEmpty, "\(label): \(lost.count) acknowledged writes lost: \(lost.prefix(3))")
            }
            _ = try script(["stop"])
            let gone = Poll.until(seconds: 30) { (try? HTTP.request("GET", port: port, path: "/users/none")) == nil }
            #expect(gone, "\(label): the node stopped")
        }
    }
}
