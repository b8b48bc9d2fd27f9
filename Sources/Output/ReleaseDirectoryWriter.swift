import ErlangTerm
import Foundation
import SystemSupport
import Planning
import ReleaseModel
#if canImport(Glibc)
import Glibc
#endif

/// Writes a planned release as a bootable directory, as rebar2's `generate` did.
///
/// The tree is assembled in a temporary directory beside the target and renamed into place at the end,
/// so an error leaves the target as it was. The same plan always gives the same files, except the
/// random cookie of a generated `vm.args` (which a regeneration over the same target keeps).
public struct ReleaseDirectoryWriter {
    public var plan: ReleasePlan
    /// Replace an existing target (rebar2's `force=1`).
    public var force: Bool
    let notes = FileTree.Notes()

    public init(plan: ReleasePlan, force: Bool) {
        self.plan = plan
        self.force = force
    }

    /// After `write()`: links in the applications' directories that were kept as links, not followed.
    public var warnings: [String] { notes.messages }

    /// Adds `-heart` to a vm.args that lacks it (`relswap generate --heart`).
    static func addHeart(to path: String) throws(OutputError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw OutputError(path: path, message: "cannot read it to add -heart: \(error.localizedDescription)")
        }
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !lines.contains(where: { $0 == "-heart" || $0.hasPrefix("-heart ") }) else { return }
        let added = (text.hasSuffix("\n") || text.isEmpty ? text : text + "\n")
            + "## heart restarts the node if it dies (bin/start), and release_handler restarts it into a new emulator\n-heart\n"
        try FileTree.write(added, to: path, mode: 0o600)
    }

    /// Marks a `vm.args` that Relswap wrote, whose cookie a regeneration may keep.
    static let generatedVMArgsMarker = "## Written by relswap generate"

    /// erts binaries `systools:make_tar/2` leaves out: development tools, not needed to run a release.
    static let ertsBinariesLeftOut: Set<String> = ["typer", "dialyzer", "ct_run", "yielding_c_fun", "erlc", "erl.src", "start.src", "start_erl.src"]

    /// Writes the release; returns the target directory.
    @discardableResult
    public func write() throws(OutputError) -> String {
        let target = plan.request.targetDirectory
        let exists = FileManager.default.fileExists(atPath: target)
        if exists && !force {
            throw OutputError(path: target, message: "already exists", hint: "pass --force to replace it (rebar2's force=1)")
        }
        let parent = (target as NSString).deletingLastPathComponent
        try FileTree.makeDirectory(parent)
        let staging = "\(parent)/.\((target as NSString).lastPathComponent).relswap-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        TemporaryFiles.register(staging)
        TemporaryFiles.register(staging + ".old")
        defer {
            TemporaryFiles.unregister(staging)
            TemporaryFiles.unregister(staging + ".old")
        }
        do throws(OutputError) {
            try assemble(into: staging, previousTarget: exists ? target : nil)
            if exists {
                // One gated step: a signal between the two renames would leave no release at the target.
                let old = staging + ".old"
                try TemporaryFiles.gated { (registry) throws(OutputError) in
                    try FileTree.rename(target, old, registry: &registry)
                    do throws(OutputError) {
                        try FileTree.rename(staging, target, registry: &registry)
                    } catch {
                        try? FileTree.rename(old, target, registry: &registry)
                        throw error
                    }
                }
                FileTree.remove(old)
            } else {
                try FileTree.rename(staging, target)
            }
        } catch {
            FileTree.remove(staging)
            throw error
        }
        return target
    }

    func assemble(into root: String, previousTarget: String?) throws(OutputError) {
        let release = plan.release
        let installation = plan.installation
        try FileTree.makeDirectory(root)

        // lib/<app>-<vsn>: the application's directories (ebin, priv, include, src, ...).
        for application in plan.applications {
            try copyApplication(application.source.directory, to: "\(root)/lib/\(application.entry.name)-\(application.entry.version)")
        }
        for extra in plan.extraApplications {
            try copyApplication(extra.directory, to: "\(root)/lib/\(extra.resource.name)-\(extra.resource.version)")
        }

        // releases/<vsn>/: the .rel, boot files, script, configuration.
        let releaseDirectory = "\(root)/releases/\(release.version)"
        try FileTree.write(release.fileContents, to: "\(releaseDirectory)/\(release.name).rel")
        let boot = ExternalTermFormat.encode(plan.bootScript, options: plan.encoding)
        try FileTree.write(boot, to: "\(releaseDirectory)/start.boot")
        try FileTree.write(boot, to: "\(releaseDirectory)/\(release.name).boot")
        try FileTree.write(TermWriter.fileContents([plan.bootScript]), to: "\(releaseDirectory)/\(release.name).script")
        if let sysConfig = plan.request.sysConfig {
            try FileTree.copy(sysConfig, to: "\(releaseDirectory)/sys.config")
        } else {
            try FileTree.write("%% Application configuration of \(release.name) \(release.version): [{App, [{Key, Value}]}].\n[].\n",
                               to: "\(releaseDirectory)/sys.config")
        }
        // vm.args holds the cookie, which lets anyone who reads it run any code on the node: owner only.
        if let vmArgs = plan.request.vmArgs {
            try FileTree.copy(vmArgs, to: "\(releaseDirectory)/vm.args")
            if VMArgs.cookie(path: vmArgs) != nil { try FileTree.setMode("\(releaseDirectory)/vm.args", 0o600) }
        } else {
            try FileTree.write(generatedVMArgs(previousTarget: previousTarget), to: "\(releaseDirectory)/vm.args", mode: 0o600)
        }

        // releases/RELEASES and start_erl.data, as release_handler reads and writes them.
        try FileTree.write(ReleasesFile(releases: [.init(permanent: release)]).fileContents, to: "\(root)/releases/RELEASES")
        try FileTree.write("\(release.ertsVersion) \(release.version)", to: "\(root)/releases/start_erl.data")

        // erts-<vsn>/: the emulator, with an erl that works wherever the release is.
        if plan.request.includeErts {
            let erts = installation.ertsDirectory
            guard FileTree.isDirectory(erts + "/bin") else {
                throw OutputError(path: erts, message: "has no bin directory to copy the emulator from",
                                  hint: "pass --erts-root with a complete OTP installation, or --no-erts to use the installed one at run time")
            }
            let destination = "\(root)/erts-\(release.ertsVersion)"
            try FileTree.copy(erts + "/bin", to: destination + "/bin", skip: Self.ertsBinariesLeftOut)
            if FileTree.isDirectory(erts + "/lib") { try FileTree.copy(erts + "/lib", to: destination + "/lib") }
            try FileTree.write(StartScript.relocatableErl, to: destination + "/bin/erl", mode: 0o755)
        }

        // bin/<name>, and bin/start.boot: the boot a bare erts-<vsn>/bin/erl uses (erlexec's default is
        // $ROOT/bin/start), the clean one, so that erl in the release starts without starting the release.
        try FileTree.write(StartScript.releaseScript(name: release.name), to: "\(root)/bin/\(release.name)", mode: 0o755)
        // bin/start: the start program release_handler hands to heart (its default, <root>/bin/start DataFile).
        try FileTree.write(StartScript.startProgram(name: release.name), to: "\(root)/bin/start", mode: 0o755)
        let cleanBoot = ExternalTermFormat.encode(plan.cleanBootScript, options: plan.encoding)
        try FileTree.write(cleanBoot, to: "\(releaseDirectory)/start_clean.boot")
        try FileTree.write(cleanBoot, to: "\(root)/bin/start.boot")

        try runOverlays(in: root)
        // After the overlays, which may write vm.args themselves (rebar2's template).
        if plan.request.heart { try Self.addHeart(to: "\(releaseDirectory)/vm.args") }
    }

    /// Directories of a project that are not part of its application, for an application that is the
    /// project itself (rebar2's `{lib_dir, ".."}`): build output, releases, dependencies, logs, tests.
    static let projectDirectoriesLeftOut: Set<String> = ["rel", "_build", "deps", "_checkouts", "log", "logs", "test", "tmp"]

    /// Copies an application's subdirectories (not loose files, hidden directories or a project's
    /// build and release directories), never descending into the release being written.
    func copyApplication(_ source: String, to destination: String) throws(OutputError) {
        try FileTree.makeDirectory(destination)
        let target = URL(fileURLWithPath: plan.request.targetDirectory).resolvingSymlinksInPath().path
        let parent = (target as NSString).deletingLastPathComponent
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []).sorted()
        for entry in entries where !entry.hasPrefix(".") && !Self.projectDirectoriesLeftOut.contains(entry) {
            let path = source + "/" + entry
            guard FileTree.isDirectory(path) else { continue }
            let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            // The target's parent holds the staging directory: never copy a directory that contains it.
            if parent == real || parent.hasPrefix(real + "/") { continue }
            try FileTree.copy(path, to: destination + "/" + entry, notes: notes)
        }
    }

    /// `-sname <name>` and a cookie: the previous release's (`--previous`), else that of a vm.args Relswap wrote
    /// before in the same target, else a random one.
    func generatedVMArgs(previousTarget: String?) -> String {
        var cookie: String?
        if let previous = plan.request.previousRelease {
            let root = URL(fileURLWithPath: previous)
            let version = (try? ReleaseRoot(path: previous))?.permanentVersion()
            cookie = version.flatMap { VMArgs.cookie(path: root.appendingPathComponent("releases/\($0)/vm.args").path) }
        }
        if cookie == nil, let previousTarget {
            let path = "\(previousTarget)/releases/\(plan.release.version)/vm.args"
            if let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasPrefix(Self.generatedVMArgsMarker) {
                cookie = VMArgs.cookie(path: path)
            }
        }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()  // getrandom(2): suitable for secrets
        let value = cookie ?? String((0..<40).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
        return """
        \(Self.generatedVMArgsMarker): the node's name, and a cookie made at random for this release (or kept from the release it succeeds).
        ## Keep the cookie secret: anyone who has it can run any code on the node.
        -sname \(plan.release.name)
        -setcookie \(value)

        """
    }

    /// Overlay variables: rebar2's built-ins (`erts_vsn`, `rel_vsn`, `target_dir`, `hostname`), relx's names,
    /// then the overlay_vars files, later ones winning.
    func overlayVariables(root: String) throws(OutputError) -> [String: String] {
        var variables = [
            "erts_vsn": "erts-\(plan.release.ertsVersion)",
            "rel_vsn": plan.release.version,
            "rel_name": plan.release.name,
            "release_name": plan.release.name,
            "release_version": plan.release.version,
            "target_dir": plan.request.targetDirectory,
            "hostname": ProcessInfo.processInfo.hostName,
        ]
        for file in plan.request.overlayVariableFiles {
            let terms: [Term]
            do {
                terms = try TermReader.consult(path: file)
            } catch {
                throw OutputError(path: file, message: error.description)
            }
            for term in terms {
                guard let pair = term.tupleElements, pair.count == 2, let key = pair[0].atomValue else {
                    throw OutputError(path: file, message: "overlay variables must be {Key, Value} terms; \(TermWriter.render(term).prefix(80)) is not")
                }
                variables[key] = pair[1].stringValue ?? pair[1].atomValue ?? TermWriter.render(pair[1])
            }
        }
        return variables
    }

    func runOverlays(in root: String) throws(OutputError) {
        guard !plan.request.overlays.isEmpty else { return }
        let variables = try overlayVariables(root: root)
        let base = plan.request.baseDirectory
        func source(_ path: String) -> String {
            let expanded = Mustache.render(path, variables)
            return expanded.hasPrefix("/") ? expanded : base + "/" + expanded
        }
        func destination(_ path: String) -> String { root + "/" + Mustache.render(path, variables) }
        for overlay in plan.request.overlays {
            switch overlay {
            case .mkdir(let path):
                try FileTree.makeDirectory(destination(path))
            case .copy(let from, let to):
                var target = destination(to)
                if FileTree.isDirectory(target) { target += "/" + (source(from) as NSString).lastPathComponent }
                try FileTree.copy(source(from), to: target)
            case .template(let from, let to):
                guard let text = try? String(contentsOfFile: source(from), encoding: .utf8) else {
                    throw OutputError(path: source(from), message: "cannot read the overlay template", hint: "check the path in the overlay section")
                }
                let mode = FileTree.status(source(from)).map { $0.st_mode & 0o777 } ?? 0o644
                try FileTree.write(Mustache.render(text, variables), to: destination(to), mode: mode)
            case .create(let to, let contents):
                try FileTree.write(Mustache.render(contents, variables), to: destination(to))
            }
        }
    }
}
