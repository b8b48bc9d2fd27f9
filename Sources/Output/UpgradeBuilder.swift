import ErlangTerm
import Foundation
import Planning
import ReleaseModel
import SystemSupport

/// `relswap generate-upgrade`'s work, callable by any front end (`relswap rehearse` builds its upgrade with it):
/// the relup of the new release from each base, every file the node will consult read back, the archive written
/// through a temporary file, and only then the relup put in place. A failure leaves neither.
public enum UpgradeBuilder {
    public struct Result: Sendable {
        public var archivePath: String
        public var relupPath: String
        public var packageName: String
        public var releaseName: String
        public var fromVersions: [String]
        public var toVersion: String
        public var size: Int
        public var sha256: String
        public var warnings: [String]
    }

    /// - Parameters:
    ///   - bases: each previous release's root and version (the new root itself for a root holding both versions).
    ///   - delta: pack only the applications whose version changed.
    ///   - compression: how hard the archive is compressed.
    package static func build(newRoot: ReleaseRoot, version: String, bases: [(root: ReleaseRoot, version: String)],
                              outputDirectory: String, delta: Bool, compression: Compression = .default) throws -> Result {
        let timings = PhaseTimings()
        defer { timings.report() }
        // The .rel files say what the archive holds; the applications' .app and .appup files, which only the relup
        // needs, are read beside the archive (below).
        let topRelease = try RelupRelease.resource(version: version, of: newRoot)
        let baseResources = try bases.map { (base) throws(PlanningError) in try RelupRelease.resource(version: base.version, of: base.root) }
        if let same = baseResources.first(where: { $0.version == version }) {
            throw PlanningError(message: "the previous release is version \(same.version) too", hint: "give an older release with --previous")
        }
        timings.end("read the .rel files")
        let relupPath = "\(newRoot.path)/releases/\(version)/relup"
        let temporaryRelup = relupPath + ".relswap-\(getpid())"
        TemporaryFiles.register(temporaryRelup)
        defer { TemporaryFiles.unregister(temporaryRelup) }
        // An application whose version no previous release has (a .rel's version is its .app's: loading the
        // applications below refuses one whose .app says otherwise, as systools does).
        let upgraded = Set(topRelease.applications.filter { application in
            baseResources.allSatisfy { base in base.applications.first { $0.name == application.name }?.version != application.version }
        }.map(\.name))
        var package = UpgradePackage(root: newRoot, release: topRelease, relupFile: temporaryRelup, applications: delta ? upgraded : nil)

        // The releases' applications are loaded, the relup built (written beside its final place and read back), and
        // everything the node will consult or boot read back, beside the archive's first part: entries are sorted, so
        // releases/, where the relup goes, comes after erts and lib/, and the archive waits there. A failure of either
        // stops the archive, whose temporary file is removed, and leaves no relup: nothing is half-written; the
        // preparation's failure is the one reported (a missing application, say, rather than the archive's stop).
        let preparation = BackgroundWork { () throws in
            let loaded = try timings.measure(beside: "load the releases") { () throws -> [RelupRelease] in
                var releases = [try RelupRelease.load(topRelease, of: [newRoot])]
                for (base, resource) in zip(bases, baseResources) { releases.append(try RelupRelease.load(resource, of: [base.root, newRoot])) }
                return releases
            }
            let top = loaded[0], baseReleases = Array(loaded.dropFirst())
            let relup = try timings.measure(beside: "relup") { () throws in try RelupBuilder.relup(top: top, upFrom: baseReleases, downTo: baseReleases) }
            try timings.measure(beside: "check the packed files") { () throws in
                // The packed applications' .app and .appup files were read back by loading the new release above,
                // which refuses an .app that is not the .rel's application at the .rel's version, and a malformed .appup.
                try PackedFilesCheck.checkReleaseDirectory("\(newRoot.path)/releases/\(version)", release: topRelease)
                do throws(OutputError) {
                    try FileTree.write(TermWriter.fileContents([relup]), to: temporaryRelup)
                } catch {
                    throw OutputError(path: relupPath, message: "cannot write the relup: \(error.message)")
                }
                try PackedFilesCheck.checkRelup(temporaryRelup, version: version)
            }
        }
        var warnings = [String]()
        // A node keeps the cookie it was started with; bin/<name> of the new release reads the new one.
        let newVMArgs = "\(newRoot.path)/releases/\(version)/vm.args"
        for base in bases {
            let oldVMArgs = "\(base.root.path)/releases/\(base.version)/vm.args"
            if let old = VMArgs.cookie(path: oldVMArgs), let new = VMArgs.cookie(path: newVMArgs), old != new {
                warnings.append("the cookies in \(oldVMArgs) and \(newVMArgs) differ: a node upgraded from \(base.version) keeps the old one, so after make_permanent bin/<name> (which reads the new vm.args) cannot reach it; generate the new release with --previous \(base.root.path) to keep the cookie, or set the same -setcookie in both")
            }
        }
        // Another emulator: the node restarts into the new erts (restart_new_emulator), which the archive must carry
        // unless the host has it installed (a release without erts boots the installed OTP's).
        let newEmulator = baseResources.contains { $0.ertsVersion != topRelease.ertsVersion }
        if newEmulator {
            if package.ertsDirectory != nil {
                package.includeErts = true
            } else {
                warnings.append("the upgrade changes the emulator to erts \(topRelease.ertsVersion), and \(newRoot.path) has no erts-\(topRelease.ertsVersion)/ to pack: the node restarts into that emulator, so the host must have it installed where bin/<name> looks (the installed OTP), or generate the release with its erts")
            }
        }
        let archivePath = "\(outputDirectory)/\(package.packageName).tar.gz"
        let written: (size: Int, sha256: String)
        var createdOutputDirectory = false
        var archiveInPlace = false
        do {
            do {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: outputDirectory, isDirectory: &isDirectory) {
                    if !isDirectory.boolValue {
                        throw OutputError(path: outputDirectory, message: "is a file, not a directory", hint: "--output names the directory the archive is written into")
                    }
                } else {
                    do {
                        // Made by this command, so removed with the archive on a signal.
                        try TemporaryFiles.gated { (registry) in
                            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
                            registry.add(outputDirectory)
                        }
                        createdOutputDirectory = true
                    } catch {
                        throw OutputError(path: outputDirectory, message: "cannot create the output directory: \(error.localizedDescription)")
                    }
                }
                var archive = UpgradeArchive(entries: try package.entries(), compression: compression)
                archive.beforeEntry = { (entry) throws(OutputError) in
                    guard entry.path.hasPrefix("releases/") else { return }
                    do {
                        try preparation.wait()
                    } catch {
                        throw OutputError(path: relupPath, message: "stopped: the relup or a packed file failed")  // replaced below by that error
                    }
                }
                written = try archive.write(to: archivePath, keepRegistered: true)
                archiveInPlace = true
            } catch {
                // The preparation's own error says what is wrong; the archive's is only that it stopped.
                try preparation.wait()
                throw error
            }
            try preparation.wait()
            timings.end("archive")
            // The relup goes into place and the archive stops being removable in one gated step: a signal
            // before it removes the archive too, so that neither is left without the other.
            try TemporaryFiles.gated { (registry) throws(OutputError) in
                try FileTree.rename(temporaryRelup, relupPath, registry: &registry)
                registry.remove(archivePath)
                registry.remove(outputDirectory)
            }
        } catch {
            _ = try? preparation.wait()
            if archiveInPlace {
                TemporaryFiles.unregister(archivePath)
                try? FileManager.default.removeItem(atPath: archivePath)
            }
            try? FileManager.default.removeItem(atPath: temporaryRelup)
            if createdOutputDirectory {
                TemporaryFiles.unregister(outputDirectory)
                rmdir(outputDirectory)  // only if still empty
            }
            throw error
        }
        return Result(archivePath: archivePath, relupPath: relupPath, packageName: package.packageName, releaseName: topRelease.name,
                      fromVersions: baseResources.map(\.version), toVersion: version, size: written.size, sha256: written.sha256,
                      warnings: warnings + package.warnings)
    }
}
