import ArgumentParser
import Foundation
import Rehearsal
import ReleaseModel

struct Rehearse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rehearse",
        abstract: "Prove an upgrade on a live copy of the old release: upgrade, downgrade, upgrade again, make permanent, cold boot.",
        discussion: """
        The old release's root (and the new one's) are copied into a private sandbox (a temporary directory, its own \
        HOME, epmd port, node name and cookie, loopback only); the copy is booted by its own bin/<name>, and the \
        upgrade is built there (appups, relup, archive; or --archive) and applied with relswap-agent's steps. After \
        each step: code (every loaded module runs the release's beams, no old code), processes (supervised processes \
        keep their pids), supervision (no child left unstarted or restarting), the user's checks, and after the cold \
        boot parity (the node runs what the hot upgrade left). Crash and supervisor reports logged in a step are \
        shown with it. Nothing is written outside the sandbox and nothing is left running.

        Exit status: 0 every step and check passed; 1 a check or step failed; 2 the sandbox could not be set up, \
        started or reached; 64 usage error.

        Examples:
          relswap rehearse --previous rel/snowflake --current rel/snowflake_2 --check-url http://127.0.0.1:8080/health
          relswap rehearse --current _build/prod/rel/counter --from-version 1 --to-version 2 --json
        """)

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("The running (old) release's root.", valueName: "path"))
    var previous: String?

    @Option(help: ArgumentHelp("The new release's root (or the one root that holds both versions).", valueName: "path"))
    var current: String

    @Option(help: "The old version (default: the previous root's permanent one).")
    var fromVersion: String?

    @Option(help: "The new version (default: the current root's permanent one, or its newest other one).")
    var toVersion: String?

    @Option(help: ArgumentHelp("Rehearse this upgrade archive instead of building one.", valueName: "file"))
    var archive: String?

    @Option(name: .customLong("check-call"), help: ArgumentHelp("Module:Function that must return ok or true after each step (repeatable).", valueName: "mod:fun"))
    var checkCalls: [String] = []

    @Option(name: .customLong("check-url"), help: ArgumentHelp("A URL that must answer 2xx after each step (repeatable).", valueName: "url"))
    var checkURLs: [String] = []

    @Option(name: .customLong("check-script"), help: ArgumentHelp("A command that must exit 0 after each step, with RELSWAP_NODE, RELSWAP_COOKIE and ERL_EPMD_PORT set (repeatable).", valueName: "command"))
    var checkScripts: [String] = []

    @Option(name: .customLong("load-url"), help: ArgumentHelp("Keep GET requests going to this URL during every step; any failed one fails the step.", valueName: "url"))
    var loadURL: String?

    @Option(help: "Seconds each call to the sandbox's node may take.")
    var timeout: Double = 60

    @Flag(help: "Leave the sandbox's files (its copies, logs and archive) for a look; its processes are stopped all the same.")
    var keepSandbox = false

    func validate() throws {
        for url in checkURLs + (loadURL.map { [$0] } ?? []) {
            guard let host = URLComponents(string: url)?.host, ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) else {
                throw ValidationError("\(url): the sandbox's node listens on loopback only; give a URL on 127.0.0.1 or localhost.")
            }
        }
    }

    func run() async throws {
        let newRoot = try CommandSupport.wrapping("rehearse", json: common.json) { try ReleaseRoot(path: CommandSupport.absolute(current)) }
        let oldRoot = try CommandSupport.wrapping("rehearse", json: common.json) { try previous.map { try ReleaseRoot(path: CommandSupport.absolute($0)) } ?? newRoot }
        let (from, to) = try CommandSupport.wrapping("rehearse", json: common.json) {
            try CommandSupport.versions(old: oldRoot, new: newRoot, separate: previous != nil, fromVersion: fromVersion, toVersion: toVersion)
        }
        let release = try CommandSupport.wrapping("rehearse", json: common.json) { try oldRoot.release(version: from) }
        var options = Rehearsal.Options(previous: oldRoot.path, current: previous == nil ? nil : newRoot.path, fromVersion: from,
                                        toVersion: archive == nil ? to : nil, releaseName: release.name)
        options.archive = archive.map { CommandSupport.absolute($0) }
        options.checkCalls = checkCalls
        options.checkURLs = checkURLs
        options.checkScripts = checkScripts
        options.loadURL = loadURL
        options.timeout = timeout
        options.keepSandbox = keepSandbox
        let report: RehearsalReport
        do {
            report = try await Rehearsal.run(options)
        } catch let error as SandboxError {
            CommandSupport.fail("rehearse", error.description, status: 2, json: common.json)
        } catch {
            CommandSupport.fail("rehearse", "\(error)", status: 2, json: common.json)
        }
        if common.json {
            print(JSONOutput.text(report))
        } else {
            print("Rehearsal of \(report.release) \(report.from) -> \(report.to): \(report.ok ? "passed" : "FAILED")")
            for step in report.steps {
                print("  \(step.ok ? "ok  " : "FAIL") \(step.name) (\(String(format: "%.1f", step.seconds)) s)")
                for check in step.checks { print("       \(check.ok ? "ok  " : "FAIL") \(check.name): \(check.detail)") }
                for entry in step.reports { print("       report: " + entry.replacingOccurrences(of: "\n", with: "\n               ")) }
            }
            if !report.notRun.isEmpty { print("  not run: \(report.notRun.joined(separator: ", "))") }
        }
        if !report.ok { throw ExitCode(1) }
    }
}
