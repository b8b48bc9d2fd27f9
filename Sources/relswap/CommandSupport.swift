import ArgumentParser
import Foundation
import SystemSupport
import Output
import Planning
import ReleaseModel

/// What the commands share: paths from the command line, the project's release configuration, and
/// how a failure is reported.
enum CommandSupport {
    /// `path` made absolute against `base` (default: the current directory), with `.` and `..` resolved.
    static func absolute(_ path: String, relativeTo base: String = FileManager.default.currentDirectoryPath) -> String {
        URL(fileURLWithPath: path.hasPrefix("/") ? path : base + "/" + path).standardizedFileURL.path
    }

    /// The release configuration here: `config` if given, else reltool.config, rel/reltool.config, then rebar.config.
    static func configurationPath(_ config: String?) -> String? {
        config ?? ["reltool.config", "rel/reltool.config", "rebar.config"].first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Reads a configuration as `relswap generate` does: rebar.config's relx section, else a reltool.config.
    static func request(configuration path: String, releaseName: String? = nil) throws(ReleaseModelError) -> ReleaseRequest {
        (path as NSString).lastPathComponent == "rebar.config"
            ? try ReleaseConfiguration.relx(path: path, releaseName: releaseName)
            : try ReleaseConfiguration.reltool(path: path)
    }

    /// The new release: `current`, else the target of the configuration here (as `relswap generate` resolves it).
    static func currentRoot(current: String?, config: String?) throws(ReleaseModelError) -> ReleaseRoot {
        if let current { return try ReleaseRoot(path: absolute(current)) }
        guard let configPath = configurationPath(config) else {
            throw ReleaseModelError(file: nil, message: "no current release: pass --current PATH, or run where reltool.config or rebar.config is")
        }
        return try ReleaseRoot(path: request(configuration: configPath).targetDirectory)
    }

    /// Checks rebar2-style KEY=VALUE settings against the ones `command` takes (spelled as in its usage: `force=1`).
    static func validate(settings: [String], command: String, accepted: [String]) throws {
        let prefixes = accepted.map { String($0.prefix { $0 != "=" }) + "=" }
        for setting in settings where !prefixes.contains(where: setting.hasPrefix) {
            throw ValidationError("Unknown setting '\(setting)'; relswap \(command) takes \(accepted.joined(separator: " and ")).")
        }
    }

    /// The previous releases' roots: each --previous (relative to the working directory), then each rebar2
    /// previous_release=PATH (relative to the current release's parent, as rebar2 resolved it).
    static func previousRoots(_ previous: [String], settings: [String], current: ReleaseRoot) -> [String] {
        let parent = (current.path as NSString).deletingLastPathComponent
        let key = "previous_release="
        return previous.map { absolute($0) }
            + settings.filter { $0.hasPrefix(key) }.map { absolute(String($0.dropFirst(key.count)), relativeTo: parent) }
    }

    /// Runs a command's work, turning its errors into the documented exit statuses: 1 for inputs that are
    /// wrong (release model, planning), 2 for files that could not be written.
    static func reportingFailures(_ command: String, json: Bool, _ body: () throws -> Void) throws {
        // Stopped by a signal, a command leaves none of its temporary files behind.
        TemporaryFiles.removeOnSignals()
        do {
            try body()
        } catch let error as ReleaseModelError {
            fail(command, error.description, status: 1, json: json)
        } catch let error as PlanningError {
            fail(command, error.description, status: 1, json: json)
        } catch let error as OutputError {
            fail(command, error.description, status: 2, json: json)
        }
    }

    /// Runs `body`, turning its release and planning errors into the documented failures (for async commands, which
    /// cannot use `reportingFailures` around their whole run).
    static func wrapping<T>(_ command: String, json: Bool, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ReleaseModelError {
            fail(command, error.description, status: 1, json: json)
        } catch let error as PlanningError {
            fail(command, error.description, status: 1, json: json)
        }
    }

    /// Reports an error on standard error (and as JSON on standard output with `--json`), then exits.
    static func fail(_ command: String, _ message: String, status: Int32, json: Bool) -> Never {
        if json { print(JSONOutput.text(JSONOutput.Failure(error: message, status: status))) }
        FileHandle.standardError.write(Data("relswap \(command): \(message)\n".utf8))
        Foundation.exit(status)
    }

    /// Writes a warning line on standard error.
    static func warn(_ command: String, _ message: String) {
        FileHandle.standardError.write(Data("relswap \(command): warning: \(message)\n".utf8))
    }

    /// The root's permanent version, refusing a `start_erl.data` that names a version the root does not hold.
    static func permanentVersion(_ root: ReleaseRoot) throws(ReleaseModelError) -> String? {
        if let problem = root.startErlDataProblem() { throw problem }
        return root.permanentVersion()
    }

    /// `version` if given, else the root's permanent version.
    static func explicit(_ version: String?, orPermanentOf root: ReleaseRoot) throws(ReleaseModelError) -> String? {
        if let version { return version }
        return try permanentVersion(root)
    }

    /// The old and new versions: each root's permanent version (two roots), or in one root the permanent
    /// version and the newest other one (the one before it, when the build tool already made the newest permanent).
    static func versions(old: ReleaseRoot, new: ReleaseRoot, separate: Bool, fromVersion: String?, toVersion: String?) throws(ReleaseModelError) -> (String, String) {
        if separate {
            guard let from = try explicit(fromVersion, orPermanentOf: old) else {
                throw ReleaseModelError(file: old.path, message: "has no permanent version (no start_erl.data, no RELEASES, several versions)", hint: "pass --from-version")
            }
            guard let to = try explicit(toVersion, orPermanentOf: new) else {
                throw ReleaseModelError(file: new.path, message: "has no permanent version (no start_erl.data, no RELEASES, several versions)", hint: "pass --to-version")
            }
            return (from, to)
        }
        let all = new.versions()
        if let fromVersion, let toVersion { return (fromVersion, toVersion) }
        let permanent = try permanentVersion(new)
        if let fromVersion {
            guard let to = all.last(where: { $0 != fromVersion }) else {
                throw ReleaseModelError(file: new.path, message: "holds only version \(fromVersion)", hint: "build the new version into the same root, or pass --previous")
            }
            return (fromVersion, to)
        }
        if let toVersion {
            guard let from = permanent.flatMap({ $0 == toVersion ? nil : $0 }) ?? all.last(where: { ApplicationCatalog.isNewer(toVersion, than: $0) }) else {
                throw ReleaseModelError(file: new.path, message: "has no version to upgrade to \(toVersion) from", hint: "pass --from-version")
            }
            return (from, toVersion)
        }
        guard let base = permanent ?? all.first else {
            throw ReleaseModelError(file: new.path, message: "has no release versions in releases/")
        }
        // The permanent version and the newest other one; when the build tool already made the newest
        // version permanent (relx, mix), the one before it.
        if let newer = all.last(where: { ApplicationCatalog.isNewer($0, than: base) }) { return (base, newer) }
        guard let older = all.last(where: { ApplicationCatalog.isNewer(base, than: $0) }) else {
            throw ReleaseModelError(file: new.path, message: "holds only version \(base)", hint: "pass --previous with the old release's root")
        }
        return (older, base)
    }
}
