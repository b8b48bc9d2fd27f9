import Foundation
import Planning
import ReleaseModel

/// The upgrade package `release_handler:unpack_release/1` installs: `<name>_<vsn>.tar.gz` holding
/// `releases/<name>_<vsn>.rel` (found by the package name), `releases/<vsn>/` (the `.rel`, `start.boot`, `relup`,
/// `sys.config`, `vm.args`, ...), and `lib/<app>-<vsn>/` for the new release's applications (only the ones whose
/// version changed, with `delta`: `release_handler` extracts with `keep_old_files` and finds the others installed).
public struct UpgradePackage {
    public var root: ReleaseRoot
    public var release: ReleaseResource
    /// The relup to pack (it is put in place in the release only once the archive is written).
    public var relupFile: String
    /// With `delta`, the applications to pack; `nil` packs them all.
    public var applications: Set<String>?
    /// Pack the release's `erts-<vsn>/` too (an upgrade to another emulator: the node restarts into it), as
    /// `systools:make_tar` does with `{erts, Dir}`.
    public var includeErts = false

    /// After `entries()`: links left out of the archive because they point nowhere.
    public var warnings: [String] { notes.messages }
    let notes = FileTree.Notes()

    public init(root: ReleaseRoot, release: ReleaseResource, relupFile: String, applications: Set<String>? = nil, includeErts: Bool = false) {
        self.root = root
        self.release = release
        self.relupFile = relupFile
        self.applications = applications
        self.includeErts = includeErts
    }

    /// The release's own emulator directory, if it has one.
    public var ertsDirectory: String? {
        let directory = "\(root.path)/erts-\(release.ertsVersion)"
        return FileTree.isDirectory(directory) ? directory : nil
    }

    /// `<name>_<vsn>`: the name to give `unpack_release/1`. A release name that cannot be a file name (OTP's own
    /// is "Erlang/OTP") gives way to the stem of its `.rel` file, the name `systools:make_tar` uses.
    public var packageName: String {
        if !release.name.isEmpty, !release.name.contains("/"), !release.name.contains("\0"), release.name != ".", release.name != ".." {
            return "\(release.name)_\(release.version)"
        }
        let stem = root.relFile(version: release.version).map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension } ?? "release"
        return stem.hasSuffix("_\(release.version)") ? stem : "\(stem)_\(release.version)"
    }

    public func entries() throws(OutputError) -> [UpgradeArchive.Entry] {
        let releaseDirectory = "\(root.path)/releases/\(release.version)"
        guard FileManager.default.fileExists(atPath: releaseDirectory + "/start.boot") else {
            throw OutputError(path: releaseDirectory, message: "has no start.boot, which install_release needs",
                              hint: "regenerate the release with relswap generate")
        }
        guard let relFile = root.relFile(version: release.version) else {
            throw OutputError(path: releaseDirectory, message: "has no .rel file")
        }
        var entries = [UpgradeArchive.Entry(path: "releases/\(packageName).rel", source: relFile)]
        for entry in try UpgradeArchive.entries(under: releaseDirectory, prefix: "releases/\(release.version)", root: root.path, notes: notes)
        where !entry.path.hasSuffix("/relup") && !entry.path.contains(".relswap-") {
            entries.append(entry)
        }
        entries.append(.init(path: "releases/\(release.version)/relup", source: relupFile))
        if includeErts, let ertsDirectory {
            entries += try UpgradeArchive.entries(under: ertsDirectory, prefix: "erts-\(release.ertsVersion)", root: root.path, notes: notes)
        }
        for application in release.applications where applications?.contains(application.name) ?? true {
            let directory = root.applicationDirectory(application.name, version: application.version)
            guard FileTree.isDirectory(directory) else {
                throw OutputError(path: directory, message: "is missing from the release", hint: "regenerate the release")
            }
            entries += try UpgradeArchive.entries(under: directory, prefix: "lib/\(application.name)-\(application.version)", root: root.path, notes: notes)
        }
        return entries
    }
}
