import ArgumentParser
import Foundation
import Output
import Planning
import ReleaseModel

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a bootable release directory from compiled applications, as rebar2's generate did.",
        discussion: """
        The release is described by rebar2's reltool.config, the relx section of a rebar3 rebar.config, or \
        flags alone. Without --config or --name, relswap looks for reltool.config, rel/reltool.config, then \
        rebar.config in the current directory.

        Applications come from the lib dirs (<dir>/<app>[-<vsn>]/ebin/<app>.app) and the OTP installation \
        (--erts-root, else the root of the erl on PATH). kernel, stdlib and sasl are always part of the release.

        The target (default rel/<name>) gets lib/, releases/<vsn>/ (.rel, start.boot, start_clean.boot, \
        <name>.script, sys.config, vm.args), releases/RELEASES, releases/start_erl.data, erts-<vsn>/ and \
        bin/<name>. An existing target is replaced only with --force. Nothing is written when a check fails.

        Exit status: 0 written; 1 the release's inputs are wrong (configuration, .app files, dependencies); \
        2 the target could not be written (it exists, or a file system error); 64 usage error.

        Examples:
          cd rel && relswap generate                      # rebar2: rel/reltool.config -> rel/snowflake
          relswap generate --config rebar.config --force  # rebar3's relx section
          relswap generate --name snowflake --release-version 1 --app snowflake --lib-dir _build/default/lib
        """)

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("reltool.config or rebar.config describing the release.", valueName: "file"))
    var config: String?

    @Option(help: "The release's name (flags-only mode, or the release to pick from a relx section).")
    var name: String?

    @Option(name: .customLong("release-version"), help: "The release's version (flags-only mode).")
    var version: String?

    @Option(name: .customLong("app"), help: ArgumentHelp("An application of the release, as NAME or NAME:VERSION (repeatable).", valueName: "app"))
    var applications: [String] = []

    @Option(name: .customLong("lib-dir"), help: ArgumentHelp("A directory of application directories, searched before the configuration's (repeatable).", valueName: "dir"))
    var libraryDirectories: [String] = []

    @Option(help: ArgumentHelp("Where to write the release (default: rel/<name>).", valueName: "dir"))
    var targetDir: String?

    @Option(help: ArgumentHelp("The sys.config to install (default: the configuration's, else an empty one).", valueName: "file"))
    var sysConfig: String?

    @Option(help: ArgumentHelp("The vm.args to install (default: the configuration's, else one with -sname <name> and a random cookie).", valueName: "file"))
    var vmArgs: String?

    @Option(help: ArgumentHelp("The Erlang/OTP installation to take erts and OTP applications from (default: the erl on PATH).", valueName: "dir"))
    var ertsRoot: String?

    @Option(help: ArgumentHelp("The release this one succeeds: a generated vm.args keeps its cookie, so bin/<name> still reaches a node upgraded from it.", valueName: "path"))
    var previous: String?

    @Flag(help: "Do not copy erts into the release; bin/<name> then uses the installed OTP's.")
    var noErts = false

    @Flag(help: "Start the node with heart (-heart in vm.args): needed for upgrades that change the emulator (docs/otp-versions.md).")
    var heart = false

    @Flag(help: "Replace the target directory if it exists.")
    var force = false

    @Argument(help: ArgumentHelp("rebar2-style settings: force=1, target_dir=DIR.", valueName: "setting"))
    var settings: [String] = []

    func validate() throws {
        try CommandSupport.validate(settings: settings, command: "generate", accepted: ["force=1", "target_dir=DIR"])
        if config == nil && (version != nil || !applications.isEmpty) && name == nil {
            throw ValidationError("--release-version and --app need --name.")
        }
        if name != nil && config == nil && (version == nil) {
            throw ValidationError("--name without --config needs --release-version too.")
        }
    }

    func run() throws {
        try CommandSupport.reportingFailures("generate", json: common.json) {
            let request = try makeRequest()
            let installation = try ertsRoot.map { (root) throws(ReleaseModelError) in try OTPInstallation(root: absolute(root)) } ?? OTPInstallation.onPath()
            let plan = try ReleasePlanner.plan(request, installation: installation)
            let writer = ReleaseDirectoryWriter(plan: plan, force: force || settings.contains("force=1"))
            let target = try writer.write()
            report(plan: plan, target: target, copyWarnings: writer.warnings)
        }
    }

    func absolute(_ path: String) -> String { CommandSupport.absolute(path) }

    func makeRequest() throws(ReleaseModelError) -> ReleaseRequest {
        var request: ReleaseRequest
        if let configPath = name == nil ? CommandSupport.configurationPath(config) : config {
            request = try CommandSupport.request(configuration: configPath, releaseName: name)
        } else if let name, let version {
            // One entry per application, in first-mention order; a NAME:VERSION pins the version.
            var apps = [ReleaseRequest.RequestedApplication]()
            for spec in applications {
                let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
                let version = parts.count == 2 ? parts[1] : nil
                if let index = apps.firstIndex(where: { $0.name == parts[0] }) {
                    if version != nil { apps[index].version = version }
                } else {
                    apps.append(.init(name: parts[0], version: version))
                }
            }
            let base = FileManager.default.currentDirectoryPath
            request = ReleaseRequest(name: name, version: version, applications: apps, targetDirectory: absolute("rel/" + name), baseDirectory: base)
        } else {
            throw ReleaseModelError(file: nil, message: "no release to generate: no reltool.config, rel/reltool.config or rebar.config here",
                                    hint: "pass --config FILE, or --name, --version and --app")
        }
        if config != nil || name == nil {
            request.applications += applications.map { .init(name: $0) }.filter { app in !request.applications.contains { $0.name == app.name } }
        }
        request.libraryDirectories = libraryDirectories.map(absolute) + request.libraryDirectories
        if let target = targetDir ?? settings.first(where: { $0.hasPrefix("target_dir=") }).map({ String($0.dropFirst("target_dir=".count)) }) {
            request.targetDirectory = absolute(target)
        }
        if let sysConfig { request.sysConfig = absolute(sysConfig) }
        if let vmArgs { request.vmArgs = absolute(vmArgs) }
        if noErts { request.includeErts = false }
        if heart { request.heart = true }
        if let previous { request.previousRelease = absolute(previous) }
        return request
    }

    func report(plan: ReleasePlan, target: String, copyWarnings: [String]) {
        let warnings = plan.warnings + copyWarnings
        for warning in warnings { CommandSupport.warn("generate", warning) }
        if common.json {
            struct Application: Encodable { var name: String; var version: String }
            struct Report: Encodable {
                var applications: [Application]
                var erts: String
                var ertsIncluded: Bool
                var release: String
                var target: String
                var version: String
                var warnings: [String]
            }
            print(JSONOutput.text(Report(applications: plan.applications.map { Application(name: $0.entry.name, version: $0.entry.version) },
                                         erts: plan.release.ertsVersion, ertsIncluded: plan.request.includeErts, release: plan.release.name,
                                         target: target, version: plan.release.version, warnings: warnings)))
        } else {
            print("Generated \(plan.release.name) \(plan.release.version) in \(target)")
            print("  applications: " + plan.applications.map { "\($0.entry.name)-\($0.entry.version)" }.joined(separator: ", "))
            print("  erts:         \(plan.release.ertsVersion)\(plan.request.includeErts ? "" : " (not copied; the installed OTP's is used)")")
            print("  start it:     \(target)/bin/\(plan.release.name) console")
        }
    }
}
