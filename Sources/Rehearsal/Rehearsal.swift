import Distribution
import ErlangTerm
import Foundation
import NodeControl
import Output
import Planning
import ReleaseModel

/// `relswap rehearse`: the upgrade proved on a live copy of the old release before it reaches production.
///
/// Steps: boot the copy as its start script does; run the user's checks; build the upgrade (or take `--archive`);
/// upgrade (the same `UpgradeFlow` as `relswap-agent upgrade`), downgrade, upgrade again, make permanent, stop and
/// cold-boot; after each step check the node's code, processes, supervision, the user's checks, and after the cold
/// boot that it runs what the hot upgrade left (parity). Stops at the first failed step.
public enum Rehearsal {
    public struct Options: Sendable {
        public var previous: String
        public var current: String?
        public var fromVersion: String
        public var toVersion: String?
        public var releaseName: String
        public var archive: String?
        public var checkCalls: [String] = []
        public var checkURLs: [String] = []
        public var checkScripts: [String] = []
        public var loadURL: String?
        public var timeout: Double = 60
        /// Leave the sandbox's files (not its processes) for a look after a failure.
        public var keepSandbox = false

        public init(previous: String, current: String?, fromVersion: String, toVersion: String?, releaseName: String) {
            self.previous = previous
            self.current = current
            self.fromVersion = fromVersion
            self.toVersion = toVersion
            self.releaseName = releaseName
        }
    }

    /// Runs the rehearsal; throws `SandboxError` when the sandbox cannot be set up, started or reached.
    public static func run(_ options: Options) async throws -> RehearsalReport {
        let sandbox = try Sandbox(previous: options.previous, current: options.current, releaseName: options.releaseName)
        defer { sandbox.cleanUp(keepFiles: options.keepSandbox) }
        try sandbox.startEpmd()
        try sandbox.configureNode()
        try sandbox.makePermanent(options.fromVersion)
        let node = NodeName(sandbox.nodeName, defaultHost: NodeName.localShortHost)
        var run = Run(sandbox: sandbox, node: node, options: options)
        return try await run.perform()
    }

}

/// One rehearsal's state as it goes.
struct Run {
    let sandbox: Sandbox
    let node: NodeName
    let options: Rehearsal.Options
    var steps = [RehearsalReport.Step]()
    var toVersion = ""

    init(sandbox: Sandbox, node: NodeName, options: Rehearsal.Options) {
        self.sandbox = sandbox
        self.node = node
        self.options = options
    }

    func session<Result: Sendable>(_ body: (inout NodeSession) async throws -> Result) async throws -> Result {
        try await NodeSession.with(node: node, cookie: sandbox.cookie, epmdPort: sandbox.epmdPort, timeout: options.timeout, body)
    }

    func report(ok: Bool) -> RehearsalReport {
        let order = ["boot", "build", "upgrade", "downgrade", "upgrade again", "make permanent", "cold boot"]
        let done = Set(steps.map(\.name))
        return RehearsalReport(release: options.releaseName, from: options.fromVersion, to: toVersion.isEmpty ? (options.toVersion ?? "?") : toVersion,
                               ok: ok, steps: steps, notRun: order.filter { !done.contains($0) }, sandbox: sandbox.directory)
    }

    mutating func perform() async throws -> RehearsalReport {
        // Boot: as the start script does; a boot that fails is the sandbox's failure (exit 2), not a check's.
        let started = Date()
        try sandbox.startNode(version: options.fromVersion)
        try await waitUntilStarted()
        let fromCode = try ReleaseCode.load(root: sandbox.oldRoot, version: options.fromVersion)
        var state = try await readState()
        var checks = [StepChecks.code(state, expected: fromCode, version: options.fromVersion),
                      StepChecks.supervision(before: nil, after: state)]
        checks += await userChecks()
        guard record("boot", started, checks, logFrom: 0) else { return report(ok: false) }

        // Build (or take) the upgrade.
        let buildStarted = Date()
        let archive: UpgradeArchiveCheck
        do {
            archive = try UpgradeArchiveCheck(path: try buildArchive())
            toVersion = archive.version
            steps.append(.init(name: "build", ok: true, seconds: Date().timeIntervalSince(buildStarted),
                               checks: [.init(name: "step", ok: true, detail: "\(archive.package).tar.gz, \(archive.bytes.count) bytes")], reports: []))
        } catch {
            steps.append(.init(name: "build", ok: false, seconds: Date().timeIntervalSince(buildStarted),
                               checks: [.init(name: "step", ok: false, detail: "\(error)")], reports: []))
            return report(ok: false)
        }
        let target = toVersion

        // Upgrade, downgrade, upgrade again: each checked against the version it leaves the node on.
        let plan: [(name: String, version: String, up: Bool, action: @Sendable (inout NodeSession) async throws -> Void)] = [
            ("upgrade", target, true, { session in
                if case .restarting = try await UpgradeFlow.run(&session, archive: archive, options: .init(makePermanent: false, verifyCode: false)) {
                    throw AgentFailure(.install, "the upgrade changes the emulator (erts \(archive.ertsVersion)), which relswap rehearse does not do yet")
                } }),
            ("downgrade", options.fromVersion, false, { [from = options.fromVersion] session in try await ReleaseSteps.install(&session, from) }),
            ("upgrade again", target, true, { session in try await ReleaseSteps.install(&session, target) }),
        ]
        for step in plan {
            let stepStarted = Date()
            let logOffset = logSize()
            let before = state
            let load = options.loadURL.map { LoadLoop(url: $0) }
            let failure = await attempt { session in try await step.action(&session) }
            let requests = load?.stop()
            guard failure == nil else {
                steps.append(.init(name: step.name, ok: false, seconds: Date().timeIntervalSince(stepStarted),
                                   checks: [.init(name: "step", ok: false, detail: failure!)], reports: reports(from: logOffset), requests: requests))
                return report(ok: false)
            }
            state = try await readState()
            let expected = try ReleaseCode.load(root: sandbox.oldRoot, version: step.version)
            var stepChecks = [StepChecks.code(state, expected: expected, version: step.version),
                              StepChecks.processes(before: before, after: state, restarted: restartedApplications(up: step.up)),
                              StepChecks.supervision(before: before, after: state)]
            stepChecks += await userChecks()
            if let requests {
                stepChecks.append(.init(name: "load", ok: requests.failed == 0, detail: "\(requests.sent) requests, \(requests.failed) failed"))
            }
            guard record(step.name, stepStarted, stepChecks, logFrom: logOffset, requests: requests) else { return report(ok: false) }
        }

        // The new version's vm.args came with the archive: it names the sandbox's node too (a given --archive carries
        // the release's own name and cookie), so that the start script reaches the node once that version is permanent.
        try sandbox.configureNode()

        // Make permanent, then stop and boot cold: the node must come back on the code the hot upgrade left.
        let permanentStarted = Date()
        if let failure = await attempt({ session in try await ReleaseSteps.permanent(&session, target) }) {
            steps.append(.init(name: "make permanent", ok: false, seconds: Date().timeIntervalSince(permanentStarted),
                               checks: [.init(name: "step", ok: false, detail: failure)], reports: []))
            return report(ok: false)
        }
        let hot = try await readState()
        steps.append(.init(name: "make permanent", ok: true, seconds: Date().timeIntervalSince(permanentStarted),
                           checks: [.init(name: "step", ok: true, detail: "\(target) is permanent")], reports: []))
        let coldStarted = Date()
        let coldOffset = logSize()
        do {
            try sandbox.stopNode()
            try await waitUntilStopped()
            try sandbox.startNode(version: target)
            try await waitUntilStarted()
        } catch {
            steps.append(.init(name: "cold boot", ok: false, seconds: Date().timeIntervalSince(coldStarted),
                               checks: [.init(name: "step", ok: false, detail: "\(error)")], reports: reports(from: 0)))
            return report(ok: false)
        }
        let cold = try await readState()
        let toCode = try ReleaseCode.load(root: sandbox.oldRoot, version: target)
        var coldChecks = [StepChecks.code(cold, expected: toCode, version: target), StepChecks.supervision(before: nil, after: cold),
                          StepChecks.parity(hot: hot, cold: cold)]
        coldChecks += await userChecks()
        let ok = record("cold boot", coldStarted, coldChecks, logFrom: coldOffset)
        return report(ok: ok)
    }

    /// Waits (with a deadline) until the node answers and `init:get_status()` says its boot has finished: not every
    /// start script waits for that (relx's and mix's daemons return at once).
    func waitUntilStarted() async throws {
        let deadline = Date().addingTimeInterval(90)
        var last = "no answer"
        while Date() < deadline {
            do {
                let status = try await session { session in try await session.call("init", "get_status", []) }
                if status.tupleElements?.first == .atom("started") { return }
                last = TermWriter.render(status)
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw SandboxError("the sandbox's node \(node) did not finish booting within 90 s (\(last))\(sandbox.logTail())")
    }

    /// Waits (with a deadline) until the node's name is free again: some start scripts' `stop` returns before the
    /// emulator has exited (mix's), and a boot under the same name would then fail.
    func waitUntilStopped() async throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            do {
                _ = try await session { session in try await session.call("erlang", "node", []) }
            } catch {
                return
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw SandboxError("the sandbox's node \(node) did not stop within 60 s")
    }

    /// Runs `action` in a session; its failure as a sentence, or nil.
    func attempt(_ action: @Sendable (inout NodeSession) async throws -> Void) async -> String? {
        do {
            try await session { session in try await action(&session) }
            return nil
        } catch {
            return "\(error)"
        }
    }

    func readState() async throws -> NodeState {
        do {
            return try await session { session in try await NodeState.read(&session) }
        } catch {
            throw SandboxError("the sandbox's node \(node) cannot be read: \(error)")
        }
    }

    /// Appends the step; true if all its checks passed.
    mutating func record(_ name: String, _ started: Date, _ checks: [RehearsalReport.Check], logFrom offset: Int,
                         requests: RehearsalReport.Requests? = nil) -> Bool {
        let ok = checks.allSatisfy(\.ok)
        steps.append(.init(name: name, ok: ok, seconds: Date().timeIntervalSince(started), checks: checks, reports: reports(from: offset), requests: requests))
        return ok
    }

    func logSize() -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: sandbox.logFile)[.size]) as? Int) ?? 0
    }

    /// Crash, supervisor and error reports the node wrote to its console log since `offset`.
    func reports(from offset: Int) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: sandbox.logFile) else { return [] }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(offset))
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        var found = [String]()
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains("CRASH REPORT") || line.contains("SUPERVISOR REPORT") || line.contains("ERROR REPORT") {
                if let current { found.append(current.joined(separator: "\n")) }
                current = [line]
            } else if current != nil {
                if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("=") {
                    found.append(current!.joined(separator: "\n"))
                    current = nil
                } else if current!.count < 30 {
                    current!.append(line)
                }
            }
        }
        if let current { found.append(current.joined(separator: "\n")) }
        return Array(found.prefix(20))
    }

    /// The user's checks, each a named result.
    func userChecks() async -> [RehearsalReport.Check] {
        var checks = [RehearsalReport.Check]()
        for call in options.checkCalls {
            let parts = call.split(separator: ":").map(String.init)
            guard parts.count == 2 else {
                checks.append(.init(name: "user", ok: false, detail: "--check-call \(call): give Module:Function"))
                continue
            }
            do {
                let answer = try await session { session in try await session.call(parts[0], parts[1], []) }
                let ok = answer == .atom("ok") || answer == .atom("true")
                checks.append(.init(name: "user", ok: ok, detail: "\(call)() returned \(TermWriter.render(answer).prefix(200))"))
            } catch {
                checks.append(.init(name: "user", ok: false, detail: "\(call)(): \(error)"))
            }
        }
        for url in options.checkURLs {
            do {
                let status = try await HTTPGet.status(url)
                checks.append(.init(name: "user", ok: (200..<300).contains(status), detail: "GET \(url) answered \(status)"))
            } catch {
                checks.append(.init(name: "user", ok: false, detail: "GET \(url): \(error)"))
            }
        }
        for script in options.checkScripts {
            var environment = sandbox.environment
            environment["RELSWAP_NODE"] = node.description
            environment["RELSWAP_COOKIE"] = sandbox.cookie
            do {
                let result = try Sandbox.run("/bin/sh", ["-c", script], environment: environment)
                checks.append(.init(name: "user", ok: result.status == 0, detail: "\(script): exit \(result.status)\(result.output.isEmpty ? "" : ": " + String(result.output.suffix(300)))"))
            } catch {
                checks.append(.init(name: "user", ok: false, detail: "\(script): \(error)"))
            }
        }
        return checks
    }

    /// The archive to rehearse: `--archive`, or one built in the sandbox (appups, relup, archive) as
    /// generate-appups and generate-upgrade build them.
    func buildArchive() throws -> String {
        if let archive = options.archive {
            let copy = sandbox.directory + "/" + (archive as NSString).lastPathComponent
            try FileManager.default.copyItem(atPath: archive, toPath: copy)
            return copy
        }
        let oldRoot = try ReleaseRoot(path: sandbox.oldRoot), newRoot = try ReleaseRoot(path: sandbox.newRoot)
        guard let toVersion = options.toVersion else { throw SandboxError("no version to upgrade to") }
        let old = AppupPlanner.Side(root: oldRoot, release: try oldRoot.release(version: options.fromVersion))
        let new = AppupPlanner.Side(root: newRoot, release: try newRoot.release(version: toVersion))
        let plan = try AppupPlanner.plan(from: old, to: new)
        _ = try AppupWriter.write(plan)
        let result = try UpgradeBuilder.build(newRoot: newRoot, version: toVersion, bases: [(oldRoot, options.fromVersion)],
                                              outputDirectory: sandbox.directory + "/archive", delta: false)
        return result.archivePath
    }

    /// Applications the relup stops and starts again (restart_application), up or down: their processes are
    /// expected to be new after the step.
    func restartedApplications(up: Bool) -> Set<String> {
        let relup = "\(sandbox.oldRoot)/releases/\(toVersion)/relup"
        guard let term = try? TermReader.consult(path: relup).first?.tupleElements, term.count == 3,
              let scripts = term[up ? 1 : 2].listElements else { return [] }
        var applications = Set<String>()
        for script in scripts {
            for instruction in script.tupleElements?.last?.listElements ?? [] {
                guard let parts = instruction.tupleElements, parts.count == 2, parts[0] == .atom("apply"),
                      let call = parts[1].tupleElements, call.count == 3, call[0] == .atom("application"), call[1] == .atom("stop"),
                      let application = call[2].listElements?.first?.atomValue else { continue }
                applications.insert(application)
            }
        }
        return applications
    }
}
