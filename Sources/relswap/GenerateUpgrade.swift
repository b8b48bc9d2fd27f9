import ArgumentParser
import ErlangTerm
import Foundation
import SystemSupport
import Output
import Planning
import ReleaseModel

struct GenerateUpgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-upgrade",
        abstract: "Write the relup and pack <name>_<vsn>.tar.gz, the upgrade release_handler installs on a running node.",
        discussion: """
        The relup is made as systools:make_relup/4 makes it, from the releases' .rel files and the new \
        applications' appups (relswap generate-appups writes them): one script per previous release, to upgrade \
        from it and to downgrade to it. It is written to releases/<vsn>/relup of the current release, and packed \
        with releases/<name>_<vsn>.rel, releases/<vsn>/ and lib/<app>-<vsn>/ into <name>_<vsn>.tar.gz (--delta: \
        only the applications whose version changed). The archive is reproducible (SOURCE_DATE_EPOCH sets its dates).

        On the node: copy the archive into its releases/ directory, then release_handler:unpack_release("<name>_<vsn>"), \
        install_release("<vsn>"), make_permanent("<vsn>") (relswap-agent does this).

        Exit status: 0 written; 1 the releases cannot be upgraded (a missing appup entry, a malformed instruction, \
        a module an instruction names but the application lacks, no sasl, no start.boot); 2 a file could not be written; \
        64 usage error. A failed run leaves no archive and no relup behind.

        Examples:
          cd rel && relswap generate-upgrade previous_release=snowflake_1
          relswap generate-upgrade --previous /srv/releases/counter_1 --previous /srv/releases/counter_2 --current rel/counter
        """)

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("A previous release's root (repeatable; rebar2: previous_release=PATH, relative to the current release's parent).", valueName: "path"))
    var previous: [String] = []

    @Option(help: ArgumentHelp("The new release's root (default: the target of reltool.config or rebar.config here).", valueName: "path"))
    var current: String?

    @Option(help: ArgumentHelp("reltool.config or rebar.config that says where the current release is.", valueName: "file"))
    var config: String?

    @Option(help: "With one root holding both versions: the old version (default: the permanent one).")
    var fromVersion: String?

    @Option(help: "The new version (default: the current root's permanent version, or its newest other one).")
    var toVersion: String?

    @Option(help: ArgumentHelp("Where to write the archive (default: beside the current release).", valueName: "dir"))
    var output: String?

    @Option(help: "How hard to compress the archive: fast (ISA-L level 0, about 1.1x gzip -6's size), default (ISA-L level 1, about gzip -6's size), best (zlib level 9, the smallest).")
    var compression: Compression = .default

    @Flag(help: "Pack only the applications whose version changed.")
    var delta = false

    @Argument(help: ArgumentHelp("rebar2-style setting: previous_release=PATH.", valueName: "setting"))
    var settings: [String] = []

    func validate() throws {
        try CommandSupport.validate(settings: settings, command: "generate-upgrade", accepted: ["previous_release=PATH"])
    }

    func run() throws {
        try CommandSupport.reportingFailures("generate-upgrade", json: common.json) { try generate() }
    }

    func generate() throws {
        let newRoot = try CommandSupport.currentRoot(current: current, config: config)
        let parent = (newRoot.path as NSString).deletingLastPathComponent
        let previousPaths = CommandSupport.previousRoots(previous, settings: settings, current: newRoot)
        var bases = [(root: ReleaseRoot, version: String)]()
        var toVersion = self.toVersion
        if previousPaths.isEmpty {
            let (from, to) = try CommandSupport.versions(old: newRoot, new: newRoot, separate: false, fromVersion: fromVersion, toVersion: toVersion)
            bases.append((newRoot, from))
            toVersion = to
        } else {
            for path in previousPaths {
                let root = try ReleaseRoot(path: path)
                guard let version = try CommandSupport.explicit(fromVersion, orPermanentOf: root) else {
                    throw ReleaseModelError(file: root.path, message: "has no permanent version", hint: "pass --from-version")
                }
                bases.append((root, version))
            }
        }
        guard let version = try CommandSupport.explicit(toVersion, orPermanentOf: newRoot) else {
            throw ReleaseModelError(file: newRoot.path, message: "has no permanent version", hint: "pass --to-version")
        }
        let outputDirectory = output.map { CommandSupport.absolute($0) } ?? parent
        let result = try UpgradeBuilder.build(newRoot: newRoot, version: version, bases: bases, outputDirectory: outputDirectory, delta: delta, compression: compression)
        for warning in result.warnings { CommandSupport.warn("generate-upgrade", warning) }
        let (archivePath, relupPath) = (result.archivePath, result.relupPath)
        if common.json {
            struct Report: Encodable {
                var archive: String
                var delta: Bool
                var from: [String]
                var package: String
                var relup: String
                var release: String
                var sha256: String
                var size: Int
                var to: String
            }
            print(JSONOutput.text(Report(archive: archivePath, delta: delta, from: result.fromVersions, package: result.packageName,
                                         relup: relupPath, release: result.releaseName, sha256: result.sha256, size: result.size, to: version)))
        } else {
            print("Upgrade \(result.releaseName) \(result.fromVersions.joined(separator: ", ")) -> \(version)")
            print("  relup:   \(relupPath)")
            print("  archive: \(archivePath) (\(result.size) bytes\(delta ? ", delta" : ""))")
            print("  sha256:  \(result.sha256)")
            print("  install: copy it to <release>/releases/, then release_handler:unpack_release(\"\(result.packageName)\"),")
            print("           install_release(\"\(version)\"), make_permanent(\"\(version)\")")
        }
    }
}

extension Compression: ExpressibleByArgument {}
