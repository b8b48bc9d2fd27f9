import Beam
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

extension AppupPlanner {
    /// The modules of one application in two versions, by `beam_lib:md5`.
    struct ModuleDiff: Sendable {
        var added: [String]
        var deleted: [String]
        /// Changed modules with their new and old beams.
        var changed: [(module: String, new: BeamModule, old: BeamModule)]
        var noiseOnly: [String]
        /// For every module of the new version whose beam the comparison read: the modules it imports from. The
        /// risk check for calls that break reads no beam again for a module known here not to call the watched ones.
        var importedModules = [String: ImportedModules]()
    }

    /// One application to compare: its directory in each release.
    struct ModuleComparison: Sendable {
        var application: String
        var oldDirectory: String
        var newDirectory: String
        /// Whether to keep what each new beam imports from (`ModuleDiff.importedModules`), for the risk checks.
        var recordImports = ImportRecording.off
    }

    enum ImportRecording: Sendable {
        case off
        /// An import table that cannot be read fails the comparison (an upgraded application: its beams are loaded).
        case required
        /// An import table that cannot be read is left out (an application that keeps its version: the risk check
        /// reads that beam itself).
        case ifReadable
    }

    /// Compares every given application's modules in one pass on every core: the beams of all applications form
    /// one work list, so a release of many small applications keeps the cores as busy as one large application
    /// does (one parallel pass per application waited for its slowest beam each time). Results are in the order
    /// of `comparisons`, each the diff or the first problem of that application, in module order.
    static func compareModules(_ comparisons: [ModuleComparison], resources: ApplicationResources = ApplicationResources()) throws(PlanningError) -> [Result<ModuleDiff, PlanningError>] {
        struct Listing {
            var oldModules: [String], newModules: [String], both: [String], added: [String]
        }
        var listings = [Listing]()
        for comparison in comparisons {
            let oldModules = try resources.resource(comparison.oldDirectory, comparison.application).modules
            let newModules = try resources.resource(comparison.newDirectory, comparison.application).modules
            let oldSet = Set(oldModules)
            listings.append(Listing(oldModules: oldModules, newModules: newModules, both: newModules.filter { oldSet.contains($0) },
                                    added: newModules.filter { !oldSet.contains($0) }))
        }
        // Each ebin directory is opened once: beams are opened relative to it, which spares the kernel walking the
        // same leading path for each of thousands of files.
        let directories = comparisons.map { (old: FileBytes.openDirectory("\($0.oldDirectory)/ebin"), new: FileBytes.openDirectory("\($0.newDirectory)/ebin")) }
        defer {
            for pair in directories {
                if let old = pair.old { FileBytes.closeDirectory(old) }
                if let new = pair.new { FileBytes.closeDirectory(new) }
            }
        }
        struct Work: Sendable {
            var comparison: Int, module: String, added: Bool
        }
        var work = [Work]()
        for (index, listing) in listings.enumerated() {
            work += listing.both.map { Work(comparison: index, module: $0, added: false) }
            work += listing.added.map { Work(comparison: index, module: $0, added: true) }
        }
        let outcomes = parallelMap(work) { item -> Outcome in
            let comparison = comparisons[item.comparison], pair = directories[item.comparison]
            let name = "\(item.module).beam"
            let newBeam = Located(path: "\(comparison.newDirectory)/ebin/\(name)", name: name, directory: pair.new)
            if item.added { return addedModule(item.module, at: newBeam, recordImports: comparison.recordImports) }
            let oldBeam = Located(path: "\(comparison.oldDirectory)/ebin/\(name)", name: name, directory: pair.old)
            return compare(item.module, old: oldBeam, new: newBeam, recordImports: comparison.recordImports)
        }

        var results = [Result<ModuleDiff, PlanningError>]()
        var position = 0
        for (comparison, listing) in zip(comparisons, listings) {
            let count = listing.both.count + listing.added.count
            defer { position += count }
            var changed = [(module: String, new: BeamModule, old: BeamModule)](), noise = [String]()
            var importedModules = [String: ImportedModules]()
            var failure: PlanningError?
            for (item, outcome) in zip(work[position..<(position + count)], outcomes[position..<(position + count)]) {
                switch outcome {
                case .same(let imports), .added(let imports):
                    if let imports { importedModules[item.module] = imports }
                case .noise(let imports):
                    noise.append(item.module)
                    if let imports { importedModules[item.module] = imports }
                case .changed(let new, let old):
                    changed.append((item.module, new, old))
                    if comparison.recordImports != .off { importedModules[item.module] = ImportedModules(names: new.imports.map(\.module)) }
                case .failed(let error):
                    if failure == nil { failure = error }
                }
            }
            if let failure {
                results.append(.failure(failure))
                continue
            }
            let newSet = Set(listing.newModules)
            results.append(.success(ModuleDiff(added: listing.added.sorted(), deleted: listing.oldModules.filter { !newSet.contains($0) }.sorted(),
                                               changed: changed.sorted { $0.module < $1.module }, noiseOnly: noise.sorted(),
                                               importedModules: importedModules)))
        }
        return results
    }

    private enum Outcome: Sendable {
        case same(imports: ImportedModules?), noise(imports: ImportedModules?), changed(BeamModule, BeamModule), added(imports: ImportedModules?)
        case failed(PlanningError)
    }

    /// A beam's full path (for messages) and its name in an open directory, if the directory could be opened.
    private struct Located {
        var path: String, name: String, directory: Int32?

        func bytes() throws(BeamError) -> [UInt8] {
            do {
                if let directory { return try FileBytes.read(name, relativeTo: directory) }
                return try FileBytes.read(path)
            } catch {
                throw BeamError(path: path, reason: .unreadable(detail: error.reason))
            }
        }
    }

    /// A module in both versions. Equal files are the common case: one memcmp, and the module name read once.
    private static func compare(_ module: String, old: Located, new: Located, recordImports: ImportRecording) -> Outcome {
        do throws(BeamError) {
            let oldBytes = try old.bytes(), newBytes = try new.bytes()
            let identical = oldBytes.count == newBytes.count && oldBytes.withUnsafeBytes { a in
                newBytes.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
            }
            let newFile = try BeamFile(bytes: newBytes, path: new.path)
            if identical {
                if let problem = try wrongModule(newFile, module, path: old.path) { return .failed(problem) }
                return .same(imports: try imports(of: newFile, recordImports))
            }
            let oldFile = try BeamFile(bytes: oldBytes, path: old.path)
            if let problem = try wrongModule(oldFile, module, path: old.path) { return .failed(problem) }
            if let problem = try wrongModule(newFile, module, path: new.path) { return .failed(problem) }
            // Compressed beams whose gzip headers differ hold the same beam.
            if oldFile.bytes == newFile.bytes { return .same(imports: try imports(of: newFile, recordImports)) }
            let oldMD5 = try oldFile.md5(), newMD5 = try newFile.md5()
            if oldMD5 == newMD5 { return .noise(imports: try imports(of: newFile, recordImports)) }
            return .changed(try BeamModule(file: newFile, md5: newMD5), try BeamModule(file: oldFile, md5: oldMD5))
        } catch {
            return .failed(PlanningError(message: error.description))
        }
    }

    /// An added module must have a readable beam too: it is loaded by the upgrade.
    private static func addedModule(_ module: String, at beam: Located, recordImports: ImportRecording) -> Outcome {
        do throws(BeamError) {
            let file = try BeamFile(bytes: try beam.bytes(), path: beam.path)
            _ = try file.md5()
            let inside = try file.moduleName()
            if inside != module {
                return .failed(PlanningError(file: beam.path, message: "holds module \(inside), not \(module)",
                                             hint: "rebuild the application (a module's beam is <module>.beam)"))
            }
            return .added(imports: try imports(of: file, recordImports))
        } catch {
            return .failed(PlanningError(message: error.description))
        }
    }

    private static func imports(of file: BeamFile, _ recording: ImportRecording) throws(BeamError) -> ImportedModules? {
        switch recording {
        case .off: return nil
        case .required: return try ImportedModules(of: file)
        case .ifReadable: return try? ImportedModules(of: file)
        }
    }

    private static func wrongModule(_ file: BeamFile, _ module: String, path: String) throws(BeamError) -> PlanningError? {
        let inside = try file.moduleName()
        guard inside != module else { return nil }
        return PlanningError(message: "\(path): holds module \(inside), not \(module); rebuild the application (a module's beam is <module>.beam)")
    }
}
