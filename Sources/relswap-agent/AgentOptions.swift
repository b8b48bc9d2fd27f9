import ArgumentParser
import Distribution
import ErlangTerm
import Foundation
import NodeControl

extension DistributionTLS.Verification: ExpressibleByArgument {}

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

    @Option(help: "How many nodes to work on at once, in batches after the canaries (default 1: one after another).")
    var parallel: Int = 1

    @Option(help: "Work on this many nodes first, one at a time, before the batches.")
    var canary: Int = 0

    @Option(help: "Keep starting nodes until more than this many have failed (default 0: stop at the first failure).")
    var maxFailures: Int = 0

    @Flag(help: "Print machine-readable JSON on standard output.")
    var json = false

    @Option(help: ArgumentHelp("TLS distribution (nodes started with -proto_dist inet_tls): the agent's certificate (PEM).", valueName: "file"))
    var tlsCertfile: String?

    @Option(help: ArgumentHelp("TLS distribution: the private key of --tls-certfile (PEM, unencrypted).", valueName: "file"))
    var tlsKeyfile: String?

    @Option(help: ArgumentHelp("TLS distribution: the CA certificates the nodes' certificates must be signed by (PEM; default: the system's).", valueName: "file"))
    var tlsCacertfile: String?

    @Option(help: "TLS distribution: full (the node's certificate must name its host) or chain (signed by the CA is enough).")
    var tlsVerify: DistributionTLS.Verification = .full

    /// Whether the connections are TLS distribution: any --tls-* file given.
    var usesTLS: Bool { tlsCertfile != nil || tlsKeyfile != nil || tlsCacertfile != nil }

    /// The TLS settings, read from their files (nil without TLS).
    func tls() throws -> DistributionTLS? {
        guard usesTLS else { return nil }
        return try DistributionTLS(certificateFile: tlsCertfile, keyFile: tlsKeyfile, caFile: tlsCacertfile, verification: tlsVerify)
    }

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
        if canary < 0 || maxFailures < 0 { throw ValidationError("--canary and --max-failures take 0 or more.") }
        if timeout <= 0 || timeout > 86_400 { throw ValidationError("--timeout takes seconds, more than 0 and at most 86400.") }
        // The certificate files are read before any node is touched: a wrong path is a usage error, not a node's.
        do {
            _ = try tls()
        } catch let failure as AgentFailure {
            throw ValidationError(failure.message)
        }
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
            return try await NodeSession.with(node: name, cookie: try resolvedCookie(), epmdPort: resolvedEPMDPort, timeout: timeout, tls: try tls(), body)
        } catch let error as DistributionError {
            throw AgentFailure(error)
        }
    }

    /// The archive's progress to a node, on a terminal only (standard error, not with --json): one line rewritten
    /// as the pieces go, ended when the last one is sent.
    func progress(for node: String) -> ArchiveTransfer.Progress? {
        guard !json, isatty(STDERR_FILENO) == 1 else { return nil }
        return { sent, total in
            let megabytes = { (bytes: Int) in String(format: "%.1f", Double(bytes) / 1_048_576) }
            let line = "\r\u{1B}[K\(node): sending the archive: \(sent * 100 / max(total, 1))% (\(megabytes(sent)) of \(megabytes(total)) MiB)"
            FileHandle.standardError.write(Data((line + (sent == total ? "\n" : "")).utf8))
        }
    }

    var policy: RolloutPolicy { RolloutPolicy(canary: canary, parallel: parallel, maxFailures: maxFailures) }

    /// Runs `work` in a session with each node (see `runOnNodes`).
    func inSessions(_ command: String, _ work: @escaping @Sendable (inout NodeSession) async throws -> NodeSuccess) async throws {
        try await runOnNodes(command) { node in try await self.withSession(node, work) }
    }

    /// Runs `work` on every node as the rollout policy says (`--canary`, `--parallel`, `--max-failures`), prints a
    /// line (or the JSON report) per node, and exits with the first failed node's status.
    func runOnNodes(_ command: String, _ work: @escaping @Sendable (String) async throws -> NodeSuccess) async throws {
        try report(command, await Rollout.run(nodes: nodes, policy: policy, work: work))
    }

    func report(_ command: String, _ outcomes: [NodeOutcome]) throws {
        let exitCode = outcomes.first(where: \.isFailure)?.step?.exitCode ?? 0
        if json {
            print(try AgentReport(command: command, outcomes: outcomes, exitCode: exitCode).encoded())
        } else {
            for outcome in outcomes {
                let line = "\(outcome.node): \(outcome.message)\n"
                if outcome.isFailure || outcome.kind == .skipped {
                    FileHandle.standardError.write(Data(("relswap-agent: " + line).utf8))
                } else {
                    print(line, terminator: "")
                }
            }
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}
