import ArgumentParser
import Distribution
import ErlangTerm
import Foundation
import NodeControl

/// How to reach the nodes: shared by every command.
struct AgentOptions: ParsableArguments {
    @Option(name: .customLong("node"), help: ArgumentHelp("A node, name@host (a bare name gets this host's short name); repeatable for a fleet.", valueName: "node"))
    var nodes: [String] = []

    @Option(help: "The cookie (default: $RELSWAP_COOKIE, else ~/.erlang.cookie). It is never printed.")
    var cookie: String?

    @Option(help: "epmd's port (default: $ERL_EPMD_PORT, else 4369).")
    var epmdPort: Int?

    @Option(help: "Seconds each call to a node may take.")
    var timeout: Double = 60

    @Option(help: "How many nodes to work on at once (default 1: one after another).")
    var parallel: Int = 1

    @Flag(help: "Print machine-readable JSON on standard output.")
    var json = false

    func validate() throws {
        if nodes.isEmpty { throw ValidationError("Name at least one node with --node.") }
        for node in nodes {
            // A node name is an atom: at most 255 characters, a non-empty name before an optional @host.
            let name = NodeName(node, defaultHost: "h")
            if node.isEmpty || name.alive.isEmpty || name.host.isEmpty {
                throw ValidationError("--node '\(node.prefix(40))' is not a node name; give name@host, or a bare name for this host.")
            }
            if node.unicodeScalars.count > 255 || node.utf8.count > 1023 {
                throw ValidationError("--node names a node of \(node.unicodeScalars.count) characters; a node name is an atom of 255 at most.")
            }
            if node.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == " " }) {
                throw ValidationError("--node '\(node.prefix(40))' holds a space or a control character; node names do not.")
            }
        }
        if parallel < 1 { throw ValidationError("--parallel takes a number of nodes, 1 or more.") }
        if timeout <= 0 || timeout > 86_400 { throw ValidationError("--timeout takes seconds, more than 0 and at most 86400.") }
    }

    func resolvedCookie() throws -> String {
        if let cookie { return cookie }
        if let cookie = ProcessInfo.processInfo.environment["RELSWAP_COOKIE"], !cookie.isEmpty { return cookie }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        let file = home + "/.erlang.cookie"
        var info = stat()
        if stat(file, &info) == 0 {
            // As OTP's auth does: a cookie file others can read is refused, not used.
            guard info.st_mode & 0o077 == 0 else {
                throw AgentFailure(.refused, "\(file) can be read by others (mode \(String(info.st_mode & 0o777, radix: 8))); OTP refuses such a cookie file and so does the agent: chmod 400 \(file)")
            }
            guard info.st_size <= 4096, let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw AgentFailure(.refused, "\(file) is not a cookie (unreadable, or larger than 4096 bytes)")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        throw AgentFailure(.refused, "no cookie: pass --cookie, set RELSWAP_COOKIE, or have ~/.erlang.cookie")
    }

    var resolvedEPMDPort: Int {
        epmdPort ?? ProcessInfo.processInfo.environment["ERL_EPMD_PORT"].flatMap(Int.init) ?? 4369
    }


    /// Opens a session with `node` and runs `body` in it; failures become `AgentFailure`s.
    func withSession<Result: Sendable>(_ node: String, _ body: (inout NodeSession) async throws -> Result) async throws -> Result {
        let name = NodeName(node, defaultHost: NodeName.localShortHost)
        do {
            return try await NodeSession.with(node: name, cookie: try resolvedCookie(), epmdPort: resolvedEPMDPort, timeout: timeout, body)
        } catch let error as DistributionError {
            throw AgentFailure(error)
        }
    }

    /// Runs `work` in a session with each node (see `runOnNodes`).
    func inSessions(_ work: @escaping @Sendable (inout NodeSession) async throws -> String) async throws {
        try await runOnNodes { node in try await self.withSession(node, work) }
    }

    /// One line (or JSON object) per node.
    struct NodeReport: Sendable {
        var node: String
        var ok: Bool
        var step: String
        var message: String
    }

    /// Runs `work` on every node, `parallel` at a time, stopping at the first failure; prints a report per
    /// node and exits with the first failure's code.
    func runOnNodes(_ work: @escaping @Sendable (String) async throws -> String) async throws {
        var reports = [NodeReport]()
        var pending = nodes[...]
        var failed = false
        await withTaskGroup(of: NodeReport.self) { group in
            func start() {
                guard !failed, let node = pending.popFirst() else { return }
                group.addTask {
                    do {
                        return NodeReport(node: node, ok: true, step: "done", message: try await work(node))
                    } catch let failure as AgentFailure {
                        return NodeReport(node: node, ok: false, step: failure.step.rawValue, message: failure.message)
                    } catch {
                        return NodeReport(node: node, ok: false, step: "call", message: "\(error)")
                    }
                }
            }
            for _ in 0..<parallel { start() }
            while let report = await group.next() {
                reports.append(report)
                if !report.ok { failed = true }
                start()
            }
        }
        // Reports in the order the nodes were given; nodes never tried are listed as skipped.
        let ordered = nodes.map { node in reports.first { $0.node == node } ?? NodeReport(node: node, ok: false, step: "skipped", message: "not tried: an earlier node failed") }
        if json {
            print("[\n" + ordered.map { report in
                "  {\"message\": \(jsonString(report.message)), \"node\": \(jsonString(report.node)), \"ok\": \(report.ok), \"step\": \(jsonString(report.step))}"
            }.joined(separator: ",\n") + "\n]")
        } else {
            for report in ordered {
                let line = "\(report.node): \(report.message)\n"
                if report.ok { print(line, terminator: "") } else { FileHandle.standardError.write(Data(("relswap-agent: " + line).utf8)) }
            }
        }
        if let failure = ordered.first(where: { !$0.ok && $0.step != "skipped" }) {
            throw ExitCode(AgentFailure.Step(rawValue: failure.step)?.exitCode ?? 1)
        }
    }

    func jsonString(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            default: if scalar.value < 0x20 { output += String(format: "\\u%04x", scalar.value) } else { output.unicodeScalars.append(scalar) }
            }
        }
        return output + "\""
    }
}
