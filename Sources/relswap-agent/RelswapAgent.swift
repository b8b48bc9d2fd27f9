import ArgumentParser
import Distribution
import ErlangTerm
import Foundation
import NodeControl

@main
struct RelswapAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relswap-agent",
        abstract: "Apply Relswap upgrade archives to running Erlang nodes over the distribution protocol.",
        discussion: """
        relswap-agent speaks Erlang's distribution protocol itself (epmd lookup, the version 6 handshake, calls \
        through rex) as a hidden node: no erl, erl_call or release scripts are needed on its host.

        Exit status: 0 done; 1 a call or the archive failed; 2 a node is unreachable; 3 a node refused the cookie; \
        4 unpack failed; 5 check_install_release failed; 6 install failed; 7 the health check failed (the node \
        was rolled back); 8 make_permanent failed; 9 the node's code is not the archive's after unpack or install \
        (rolled back after an install); 10 the preflight found a problem (no node touched); 64 usage error.
        """,
        version: "0.1.0",
        subcommands: [Releases.self, Call.self, Unpack.self, Install.self, Permanent.self, Downgrade.self, Remove.self, Upgrade.self])
}

struct Releases: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the releases a node knows (release_handler:which_releases/0).")
    @OptionGroup var agent: AgentOptions

    func run() async throws {
        try await agent.inSessions("releases") { session in
            let known = try await ReleaseSteps.which(&session)
            return NodeSuccess(known.map { "\($0.name) \($0.version) \($0.status)" }.joined(separator: "; "), payload: .releases(known))
        }
    }
}

struct Call: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Call Module:Function(Arguments) on the nodes and print the result.",
                                                    discussion: "Arguments is an Erlang list, as text: relswap-agent call lists reverse '[\"abc\"]' --node n1")
    @OptionGroup var agent: AgentOptions
    @Argument(help: "The module.") var module: String
    @Argument(help: "The function.") var function: String
    @Argument(help: "The arguments, an Erlang list.") var arguments: String = "[]"

    func run() async throws {
        let agent = self.agent, module = self.module, function = self.function
        guard let list = (try? TermReader.parseTerm(arguments))?.listElements else {
            throw ValidationError("Arguments must be an Erlang list, such as [] or [\"abc\", 1].")
        }
        try await agent.inSessions("call") { session in
            let answer = try await session.call(module, function, list)
            if let parts = answer.tupleElements, parts.first == .atom("badrpc") {
                throw AgentFailure(.call, "\(module):\(function) failed on the node: \(TermWriter.render(parts[1]))")
            }
            return NodeSuccess(TermWriter.render(answer), payload: .result(answer))
        }
    }
}

/// The bounds an archive is checked against before it is sent.
struct ArchiveLimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Refuse an archive that unpacks to more bytes than this.", valueName: "bytes"))
    var maxUnpackedSize: Int64 = UpgradeArchiveCheck.Limits().maximumUnpackedSize
    @Option(help: ArgumentHelp("Refuse an archive that unpacks to more than this many times its size (a gzip bomb).", valueName: "ratio"))
    var maxCompressionRatio: Int64 = UpgradeArchiveCheck.Limits().maximumRatio

    var limits: UpgradeArchiveCheck.Limits {
        UpgradeArchiveCheck.Limits(maximumUnpackedSize: maxUnpackedSize, maximumRatio: maxCompressionRatio)
    }
}

struct Unpack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send an upgrade archive to the nodes and unpack it there.")
    @OptionGroup var agent: AgentOptions
    @OptionGroup var archiveLimits: ArchiveLimitOptions
    @Argument(help: "The archive, <name>_<vsn>.tar.gz.") var archive: String

    func run() async throws {
        let check = try Self.checkArchive(archive, limits: archiveLimits.limits)
        try await agent.inSessions("unpack") { session in
            try await ReleaseSteps.unpack(&session, check, progress: agent.progress(for: session.node.description))
            return NodeSuccess("unpacked \(check.releaseName) \(check.version)")
        }
    }

    static func checkArchive(_ path: String, limits: UpgradeArchiveCheck.Limits) throws -> UpgradeArchiveCheck {
        do {
            return try UpgradeArchiveCheck(path: path, limits: limits)
        } catch let failure as AgentFailure {
            FileHandle.standardError.write(Data("relswap-agent: \(failure.message)\n".utf8))
            throw ExitCode(failure.step.exitCode)
        }
    }
}

struct Install: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "check_install_release, then install_release of a version unpacked on the nodes.")
    @OptionGroup var agent: AgentOptions
    @Argument(help: "The version.") var version: String

    func run() async throws {
        let version = self.version
        try await agent.inSessions("install") { session in
            try await ReleaseSteps.install(&session, version)
            return NodeSuccess("installed \(version)")
        }
    }
}

struct Permanent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Make a version permanent on the nodes (the one that boots after a restart).")
    @OptionGroup var agent: AgentOptions
    @Argument(help: "The version.") var version: String

    func run() async throws {
        let version = self.version
        try await agent.inSessions("permanent") { session in
            try await ReleaseSteps.permanent(&session, version)
            return NodeSuccess("made \(version) permanent")
        }
    }
}

struct Downgrade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Install an older version still on the nodes, and make it permanent.")
    @OptionGroup var agent: AgentOptions
    @Flag(help: "Do not make it permanent.") var noPermanent = false
    @Argument(help: "The version.") var version: String

    func run() async throws {
        let version = self.version, noPermanent = self.noPermanent
        try await agent.inSessions("downgrade") { session in
            try await ReleaseSteps.install(&session, version)
            if !noPermanent { try await ReleaseSteps.permanent(&session, version) }
            return NodeSuccess("downgraded to \(version)\(noPermanent ? "" : ", permanent")")
        }
    }
}

struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove a version from the nodes (release_handler:remove_release/1).")
    @OptionGroup var agent: AgentOptions
    @Argument(help: "The version.") var version: String

    func run() async throws {
        let version = self.version
        try await agent.inSessions("remove") { session in
            try ReleaseSteps.expectOK(try await session.call("release_handler", "remove_release", [.text(version)]), .call, "remove_release(\"\(version)\")")
            return NodeSuccess("removed \(version)")
        }
    }
}

struct Upgrade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unpack, install, check health, and make permanent: the whole upgrade, node by node.",
        discussion: """
        A failed health check (--health-url or --health-call, run after the install) installs the previous \
        release back and leaves it permanent. A rerun after an interruption goes on from where the node is: \
        a node already at the version is reported and left alone, one with it unpacked or installed continues \
        from there. With several --node: a preflight first (all reachable, on one release, nothing patched by hand), \
        then --canary N nodes one at a time, then batches of --parallel K, stopping once more than --max-failures \
        nodes have failed (default: at the first).
        """)
    @OptionGroup var agent: AgentOptions
    @OptionGroup var archiveLimits: ArchiveLimitOptions
    @Flag(help: "Stop before make_permanent.") var noPermanent = false
    @Option(help: "After the install, GET this http:// or https:// URL; it must answer 2xx. {host} becomes each node's host.") var healthURL: String?
    @Option(help: ArgumentHelp("The CA certificates (PEM) an https --health-url must be signed by (default: the system's).", valueName: "file")) var healthCacertfile: String?
    @Option(help: "After the install, call Module:Function(); it must return ok or true.") var healthCall: String?
    @Option(help: "Try the health check again every second until it passes or this many seconds have gone (0: once).") var healthTimeout: Double = 0
    @Flag(help: "Do not check the fleet before the upgrade (reachable, one release, no module patched by hand).") var skipPreflight = false
    @Option(help: "An upgrade to another emulator restarts the node: how long to wait for it to come back, in seconds.") var restartTimeout: Double = 180
    @Argument(help: "The archive, <name>_<vsn>.tar.gz.") var archive: String

    func run() async throws {
        let noPermanent = self.noPermanent
        let check = try Unpack.checkArchive(archive, limits: archiveLimits.limits)
        let health = HealthCheck(url: healthURL, call: healthCall, timeout: healthTimeout, authority: healthCacertfile)
        let restartTimeout = self.restartTimeout
        let agent = self.agent
        if !skipPreflight {
            let preflight = await Preflight.check(nodes: agent.nodes, parallel: max(agent.parallel, 4), archive: check) { node, body in
                try await agent.withSession(node, body)
            }
            for (node, warnings) in preflight.warnings.sorted(by: { $0.key < $1.key }) {
                for warning in warnings { FileHandle.standardError.write(Data("relswap-agent: warning: \(node): \(warning)\n".utf8)) }
            }
            if !preflight.problems.isEmpty { try agent.report("upgrade", preflight.outcomes(nodes: agent.nodes)) }
        }
        try await agent.runOnNodes("upgrade") { node in
            let options = UpgradeFlow.Options(makePermanent: !noPermanent, health: health.forHost(NodeName(node, defaultHost: NodeName.localShortHost).host),
                                              progress: agent.progress(for: node))
            return try await UpgradeFlow.runAcrossRestarts(archive: check, options: options, restartTimeout: restartTimeout) { body in
                try await agent.withSession(node, body)
            }
        }
    }
}
