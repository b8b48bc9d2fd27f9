import Beam
import ErlangTerm
import Foundation
import ReleaseModel
import SystemSupport

/// The hazards of an upgrade that the two releases' beams show before anything runs (issue 14): each a stable code,
/// a level, the application and module, what was seen and what to do. A check that needs abstract code where the
/// beam has none reports `unknown`, never "no risk".
enum RiskFinder {
    struct Upgraded {
        var name: String
        var diff: AppupPlanner.ModuleDiff
        var oldDirectory: String
        var newDirectory: String
    }

    /// - Parameter unchangedImports: what the beams of applications that keep their version import from, by
    ///   "application/module", as the same-version check recorded it.
    static func find(old: AppupPlanner.Side, new: AppupPlanner.Side, upgraded: [Upgraded], unchangedImports: [String: ImportedModules] = [:],
                     source: DebugInfoSource, resources: ApplicationResources = ApplicationResources()) -> [UpgradeRisk] {
        // The checks of each upgraded application on its own, in parallel.
        var risks = parallelMap(upgraded) { applicationRisks($0, source: source) }.flatMap { $0 }
        // Each release's applications and their modules, read once (in parallel) for the two release-wide passes.
        let newModules = modulesByApplication(new, resources: resources)
        let oldModules = modulesByApplication(old, sameAs: new, read: newModules, resources: resources)
        risks += callsThatBreak(newModules: newModules, upgraded: upgraded, unchangedImports: unchangedImports)
        risks += removedProtocolImplementations(newModules: newModules, upgraded: upgraded)
        risks += movedModules(old: oldModules, new: newModules, order: new.release.applications.map(\.name))
        let rank: [UpgradeRisk.Level: Int] = [.error: 0, .warning: 1, .info: 2]
        return risks.enumerated().sorted { (rank[$0.element.level]!, $0.offset) < (rank[$1.element.level]!, $1.offset) }.map(\.element)
    }

    /// What one upgraded application's own beams show: native code, behaviours, state and code_change.
    static func applicationRisks(_ application: Upgraded, source: DebugInfoSource) -> [UpgradeRisk] {
        var risks = [UpgradeRisk]()
        risks += nativeCode(application)
        for change in application.diff.changed {
            if Set(change.new.behaviours) != Set(change.old.behaviours) {
                risks.append(UpgradeRisk(code: "behaviour_changed", level: .warning, application: application.name, module: change.module,
                                         seen: "behaviours [\(change.old.behaviours.joined(separator: ", "))] became [\(change.new.behaviours.joined(separator: ", "))]",
                                         fix: "check the instruction: a process module needs update (and code_change), a supervisor {update, M, supervisor}, a library load_module"))
            }
            let isProcess = change.new.behaviours.contains(where: AppupPlanner.processBehaviours.contains)
                || change.old.behaviours.contains(where: AppupPlanner.processBehaviours.contains)
            guard isProcess else { continue }
            // The state checks read code_change, and the records only of a module without one: each read decodes only
            // those forms (an included header can bring hundreds of records into every module).
            let newInfo = source.debugInfo(of: change.new, functions: ["code_change"], attributes: [])
            if case .unavailable(let reason) = newInfo {
                risks.append(unknown(application.name, change.module, reason))
                continue
            }
            if let reason = source.debugInfoUnavailability(of: change.old) {
                risks.append(unknown(application.name, change.module, "the old beam: \(reason)"))
                continue
            }
            if let heads = AbstractCode(newInfo).codeChangeHeads() {
                risks += codeChangeMatch(application.name, change, heads: heads)
                continue
            }
            let newRecords = AbstractCode(source.debugInfo(of: change.new, functions: [], attributes: ["record"])).records()
            let oldRecords = AbstractCode(source.debugInfo(of: change.old, functions: [], attributes: ["record"])).records()
            for (record, fields) in newRecords.sorted(by: { $0.key < $1.key }) {
                guard let before = oldRecords[record], before != fields else { continue }
                risks.append(UpgradeRisk(code: "state_changed", level: .error, application: application.name, module: change.module,
                                         seen: "\(recordLabel(record)) went from {\(before.joined(separator: ", "))} to {\(fields.joined(separator: ", "))}, and \(change.module) has no code_change to move its processes' state on",
                                         fix: "add code_change that converts the old state (and use {update, \(change.module), {advanced, Extra}}), or accept with --accept state_changed:\(change.module)"))
            }
        }
        return risks
    }

    static func recordLabel(_ name: String) -> String { name == "__struct__" ? "the struct" : "record \(name)" }

    static func unknown(_ application: String, _ module: String, _ reason: String) -> UpgradeRisk {
        UpgradeRisk(code: "unknown", level: .info, application: application, module: module,
                    seen: "the state and code_change checks need abstract code, and \(reason)",
                    fix: "pass --debug-info-from with the build's beams (for example _build/prod/lib), which are matched by beam_lib:md5")
    }

    // MARK: - native code

    /// A changed module that loads a NIF, or a changed shared library under `priv/`.
    static func nativeCode(_ application: Upgraded) -> [UpgradeRisk] {
        var risks = [UpgradeRisk]()
        func fix(_ subject: String) -> String {
            "a NIF library cannot be replaced reliably by a hot load: use {restart_application, \(application.name)} in an override, or accept with --accept native_code_changed:\(subject)"
        }
        for change in application.diff.changed {
            let loadsNIF = change.new.imports.contains { $0.module == "erlang" && $0.name == "load_nif" && $0.arity == 2 }
            let onLoad = change.new.attributes.contains { $0.name == "on_load" }
            if loadsNIF || onLoad {
                risks.append(UpgradeRisk(code: "native_code_changed", level: .error, application: application.name, module: change.module,
                                         seen: "\(change.module) changed and \(loadsNIF ? "calls erlang:load_nif/2" : "has an -on_load function")", fix: fix(change.module)))
            }
        }
        for library in sharedLibraries(application.newDirectory + "/priv") {
            let old = application.oldDirectory + "/priv/" + library, new = application.newDirectory + "/priv/" + library
            let same = (try? FileBytes.read(old)).map { $0 == (try? FileBytes.read(new)) } ?? false
            if !same {
                risks.append(UpgradeRisk(code: "native_code_changed", level: .error, application: application.name, module: nil,
                                         seen: "priv/\(library) \(FileManager.default.fileExists(atPath: old) ? "changed" : "is new")", fix: fix(application.name)))
            }
        }
        return risks
    }

    static func sharedLibraries(_ directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var found = [String]()
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(".so") || relative.contains(".so.") { found.append(relative) }
        }
        return found.sorted()
    }

    // MARK: - code_change

    /// release_handler passes code_change the old module's vsn (`get_vsn/1`: a string as it is, a one-element list's
    /// element, else the list), and on downgrade `{down, Vsn}` of the module reloaded.
    static func releaseHandlerVsn(_ beam: BeamModule) -> Term {
        guard let vsn = beam.version else { return .atom("undefined") }
        if let text = vsn.stringValue, !text.isEmpty, text.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value < 127 || ($0.value >= 160 && $0.value <= 255) }) {
            return vsn
        }
        if let elements = vsn.listElements, elements.count == 1 { return elements[0] }
        return vsn
    }

    /// A vsn the compiler derived from the md5 (a 128-bit integer), not one the source set.
    static func mdDerived(_ vsn: Term) -> Bool {
        if case .bigInteger = vsn { return true }
        return false
    }

    static func codeChangeMatch(_ application: String, _ change: (module: String, new: BeamModule, old: BeamModule),
                                heads: [AbstractCode.Head]) -> [UpgradeRisk] {
        var risks = [UpgradeRisk]()
        let oldVsn = releaseHandlerVsn(change.old)
        let shown = heads.map(\.text).joined(separator: "; ")
        for (direction, value) in [("upgrade", oldVsn), ("downgrade", Term.tuple([.atom("down"), oldVsn]))] {
            let verdicts = heads.map { $0.matches(value) }
            if verdicts.contains(where: { $0 != false }) { continue }  // a clause matches, or may (a guard, a computed pattern)
            risks.append(UpgradeRisk(code: "code_change_no_match", level: .error, application: application, module: change.module,
                                     seen: "on \(direction) release_handler calls code_change(\(TermWriter.render(value)), ...), and no clause matches it (heads: \(shown))",
                                     fix: "add a clause for \(TermWriter.render(value)) (\(mdDerived(oldVsn) ? "the old module has no -vsn: this is its md5-derived default" : "the old module's -vsn")), or give the old module the -vsn its new code_change expects"))
        }
        return risks
    }

    // MARK: - calls that break

    /// After the upgrade, a module of the release calls a function that the new release no longer exports (a module
    /// of an upgraded application dropped it, or a module is gone), while the old release did export it.
    /// (application, its directory, its modules) for every application of the release.
    /// An application at the same version in `other`, whose lists are `read`, is not read again.
    static func modulesByApplication(_ side: AppupPlanner.Side, sameAs other: AppupPlanner.Side? = nil,
                                     read: [(application: String, directory: String, modules: [String])] = [],
                                     resources: ApplicationResources) -> [(application: String, directory: String, modules: [String])] {
        var known = [String: [String]]()
        if let other {
            for (entry, listed) in zip(other.release.applications, read) { known["\(entry.name)-\(entry.version)"] = listed.modules }
        }
        let reused = known
        return parallelMap(side.release.applications) { entry in
            let directory = side.root.applicationDirectory(entry.name, version: entry.version)
            if let modules = reused["\(entry.name)-\(entry.version)"] { return (entry.name, directory, modules) }
            return (entry.name, directory, (try? resources.resource(directory, entry.name))?.modules ?? [])
        }
    }

    static func callsThatBreak(newModules: [(application: String, directory: String, modules: [String])], upgraded: [Upgraded],
                               unchangedImports: [String: ImportedModules] = [:]) -> [UpgradeRisk] {
        // Exports before and after of the modules whose exports can change: those of upgraded applications.
        var exportsBefore = [String: Set<String>](), exportsAfter = [String: Set<String>]()
        var owner = [String: String]()
        for application in upgraded {
            for change in application.diff.changed {
                exportsBefore[change.module] = Set(change.old.exports.map(\.description))
                exportsAfter[change.module] = Set(change.new.exports.map(\.description))
                owner[change.module] = application.name
            }
            for module in application.diff.deleted {
                if let beam = try? BeamModule(path: "\(application.oldDirectory)/ebin/\(module).beam") {
                    exportsBefore[module] = Set(beam.exports.map(\.description))
                    exportsAfter[module] = []
                    owner[module] = application.name
                }
            }
        }
        // Only a function exported before and not after can break a call: modules that lost none are not watched,
        // and when no module lost any (the common upgrade) no beam is read at all.
        exportsBefore = exportsBefore.filter { module, before in !before.isSubset(of: exportsAfter[module] ?? []) }
        guard !exportsBefore.isEmpty else { return [] }
        // Every module of the new release that imports one of them. The module comparison already read the beams of
        // the upgraded applications and of those that keep their version, and kept what each imports from: those are
        // read again only if they may call a watched module (a changed one not even then); the others are read here.
        let watchedNames = Set(exportsBefore.keys)
        let watchedHashes = Set(watchedNames.map { ImportedModules.hash($0.utf8) })
        var seenImports = [String: (imports: ImportedModules, changed: BeamModule?)]()
        for application in upgraded {
            let changed = Dictionary(application.diff.changed.map { ($0.module, $0.new) }, uniquingKeysWith: { first, _ in first })
            for (module, imports) in application.diff.importedModules { seenImports["\(application.name)/\(module)"] = (imports, changed[module]) }
        }
        let known = seenImports
        let watched = Set(watchedNames.map { Array($0.utf8) }), watchedLengths = Set(watched.map(\.count))
        // One task per application: its ebin directory is opened once and its beams read relative to it.
        let perApplication = parallelMap(newModules) { application, directory, modules -> [(caller: (application: String, module: String), found: (String, [BeamModule.ImportedFunction]))] in
            FileBytes.withDirectory("\(directory)/ebin") { ebin in
                modules.compactMap { module in
                    let caller = (application: application, module: module)
                    let key = "\(application)/\(module)"
                    if let seen = known[key] ?? unchangedImports[key].map({ (imports: $0, changed: nil) }) {
                        if !seen.imports.mayCallAny(of: watchedHashes) { return nil }
                        if let beam = seen.changed { return (caller, (module, beam.imports.filter { watchedNames.contains($0.module) })) }
                    }
                    // A module whose atoms do not name a watched module imports nothing from one: its head is enough.
                    let path = "\(directory)/ebin/\(module).beam"
                    let head = if let ebin { BeamFile.leadingAtoms(name: "\(module).beam", directory: ebin, path: path) } else { BeamFile.leadingAtoms(path: path) }
                    if let head,
                       (try? head.hasAtom(in: watched, lengths: watchedLengths)) == false { return nil }
                    guard let file = try? BeamFile(path: path), let table = try? BeamModule.imports(of: file, fromModules: watched) else { return nil }
                    return (caller, (table.module, table.imports))
                }
            }
        }
        var risks = [UpgradeRisk]()
        for (caller, found) in perApplication.joined() {
            let (module, calls) = found
            let broken = calls.filter { call in
                let name = "\(TermWriter.atomText(call.name))/\(call.arity)"
                return exportsBefore[call.module]?.contains(name) == true && exportsAfter[call.module]?.contains(name) != true
            }
            for call in broken {
                let function = "\(TermWriter.atomText(call.module)):\(TermWriter.atomText(call.name))/\(call.arity)"
                let gone = exportsAfter[call.module]?.isEmpty == true
                risks.append(UpgradeRisk(code: "calls_break", level: .error, application: caller.application, module: module,
                                         seen: "\(module) calls \(function), which \(gone ? "is deleted in the new release" : "\(owner[call.module] ?? "its application") no longer exports"): after the upgrade the call raises undef",
                                         fix: "keep exporting \(function) (a wrapper) until the callers change, change \(module) in the same upgrade, or accept with --accept calls_break:\(module)"))
            }
        }
        return risks
    }

    // MARK: - protocol implementations removed (Elixir)

    /// An Elixir protocol implementation (`defimpl P, for: T`: a module with the `__impl__` attribute) deleted by the
    /// upgrade while the protocol stays: the new consolidated protocol no longer dispatches on T, so a call of P on
    /// a T (from a process that holds one, or code that still makes them) raises Protocol.UndefinedError. No import
    /// table shows these calls (dispatch goes through the protocol module), so the implementation itself is named.
    static func removedProtocolImplementations(newModules: [(application: String, directory: String, modules: [String])],
                                               upgraded: [Upgraded]) -> [UpgradeRisk] {
        let present = Set(newModules.flatMap(\.modules))
        var risks = [UpgradeRisk]()
        for application in upgraded {
            for module in application.diff.deleted where !present.contains(module) {
                guard let beam = try? BeamModule(path: "\(application.oldDirectory)/ebin/\(module).beam"),
                      let implementation = beam.attributes.first(where: { $0.name == "__impl__" })?.value.listElements else { continue }
                func value(_ key: String) -> String? {
                    implementation.lazy.compactMap { $0.tupleElements }.first { $0.count == 2 && $0[0] == .atom(key) }?[1].atomValue
                }
                guard let protocolModule = value("protocol"), let type = value("for"), present.contains(protocolModule) else { continue }
                let shown = { (name: String) in name.hasPrefix("Elixir.") ? String(name.dropFirst(7)) : name }
                risks.append(UpgradeRisk(code: "calls_break", level: .error, application: application.name, module: module,
                                         seen: "the implementation of \(shown(protocolModule)) for \(shown(type)) is deleted while \(shown(protocolModule)) stays: after the upgrade the consolidated protocol no longer dispatches on \(shown(type)), and a call of \(shown(protocolModule)) on one raises Protocol.UndefinedError",
                                         fix: "keep the defimpl until no process holds or makes a \(shown(type)) (remove it in a later upgrade), or accept with --accept calls_break:\(module)"))
            }
        }
        return risks
    }

    // MARK: - moved modules

    /// A module that leaves one application and joins another in the same upgrade.
    static func movedModules(old: [(application: String, directory: String, modules: [String])],
                             new: [(application: String, directory: String, modules: [String])], order: [String]) -> [UpgradeRisk] {
        func owners(_ side: [(application: String, directory: String, modules: [String])]) -> [String: String] {
            var result = [String: String]()
            for (application, _, modules) in side { for module in modules { result[module] = application } }
            return result
        }
        let before = owners(old), after = owners(new)
        var risks = [UpgradeRisk]()
        for (module, from) in before.sorted(by: { $0.key < $1.key }) {
            guard let to = after[module], to != from else { continue }
            let fromFirst = (order.firstIndex(of: from) ?? -1) < (order.firstIndex(of: to) ?? -1)
            risks.append(UpgradeRisk(code: "module_moved", level: .warning, application: to, module: module,
                                     seen: "\(module) moves from \(from) to \(to): the relup deletes it from \(from) and adds it to \(to), in the order of the .rel (\(fromFirst ? "\(from) first, then \(to)" : "\(to) first, then \(from)"))\(fromFirst ? "" : ": the delete comes after the add and purges the code just loaded")",
                                     fix: fromFirst ? "nothing to do if no process runs \(module)'s code during the upgrade" : "move the module in two upgrades, or put \(from) before \(to) in the release"))
        }
        return risks
    }
}
