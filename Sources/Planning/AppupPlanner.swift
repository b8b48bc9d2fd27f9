import Beam
import ErlangTerm
import Foundation
import ReleaseModel
import SystemSupport

/// Diffs two releases and decides an appup for every upgraded application.
///
/// Passes, in order: compare the `.rel` files (upgraded, added, removed applications); compare each
/// upgraded application's modules by `beam_lib:md5`; choose an instruction per module from its new beam;
/// order the instructions by dependencies; mirror them into the downgrade; apply the project's overrides;
/// keep hand-written appups that cover the old version.
public enum AppupPlanner {
    public struct Side: Sendable {
        public var root: ReleaseRoot
        public var release: ReleaseResource
        public init(root: ReleaseRoot, release: ReleaseResource) {
            self.root = root
            self.release = release
        }
    }

    public struct Options: Sendable {
        /// Directory of override files `<app>.appup`.
        public var overridesDirectory: String?
        /// Regenerate appups even where the new release has one covering the old version.
        public var force = false
        /// Write the appups here instead of into the new release's `ebin` directories.
        public var outputDirectory: String?
        /// For `--check`: a hand-written appup that cannot be used is left for `AppupCheck` to report, not thrown.
        public var checking = false
        /// Directories of beams with debug info (a build's), matched to the release's by `beam_lib:md5`.
        public var debugInfoFrom: [String] = []
        /// Risks the user accepts, as `CODE:Module` (or `CODE:Application` for a risk without a module).
        public var accepted: Set<String> = []
        /// Look for risks (the benchmark turns it off to measure what the risks cost).
        public var findRisks = true
        /// What to do with an application whose native code changed: restart it in the upgrade (the default, said in
        /// the plan), or keep the module loads and report the error (`--native-code refuse`).
        public var restartOnNativeCode = true
        /// Applications whose version did not change while their code did (rebuilt by a newer compiler, say) that
        /// the user accepts (`--accept-rebuilt APP`): a warning instead of a refusal. release_handler does not load
        /// them, so a node keeps the previous build's code of those applications until it restarts.
        public var acceptRebuilt: Set<String> = []
        public init() {}
    }

    /// Behaviours of processes whose state a hot upgrade keeps (Elixir's modules name them too).
    static let processBehaviours: Set<String> = ["gen_server", "gen_statem", "gen_event", "gen_fsm", "supervisor_bridge",
                                                 "Elixir.GenServer", "Elixir.Agent", "Elixir.Task.Supervisor"]
    /// Supervisor behaviours: Erlang's, and Elixir's, which is built on it.
    static let supervisorBehaviours: Set<String> = ["supervisor", "Elixir.Supervisor", "Elixir.DynamicSupervisor"]

    public static func plan(from old: Side, to new: Side, options: Options = Options()) throws(PlanningError) -> AppupPlan {
        guard old.release.name == new.release.name else {
            throw PlanningError(message: "the releases have different names: \(old.release.name) (\(old.root.path)) and \(new.release.name) (\(new.root.path))",
                                hint: "appups upgrade one release from one version to another; give two versions of the same release")
        }
        guard old.release.version != new.release.version else {
            throw PlanningError(message: "both sides are version \(new.release.version) of \(new.release.name)",
                                hint: "give the previous version with --previous (or --from-version) and the new one with --current (or --to-version)")
        }
        let oldApplications = Dictionary(old.release.applications.map { ($0.name, $0.version) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(new.release.applications.map(\.name))
        var upgradedEntries = [(name: String, from: String, to: String)]()
        var added = [(name: String, version: String)](), unchanged = [(name: String, version: String)]()
        for entry in new.release.applications {
            if let oldVersion = oldApplications[entry.name] {
                if oldVersion == entry.version { unchanged.append((entry.name, entry.version)) } else { upgradedEntries.append((entry.name, oldVersion, entry.version)) }
            } else {
                added.append((entry.name, entry.version))
            }
        }
        let removed = old.release.applications.filter { !newNames.contains($0.name) }.map { ($0.name, $0.version) }

        // Every comparison, of both kinds below, in one parallel pass.
        let sameVersionEntries = unchanged.compactMap { name, version -> (version: String, comparison: ModuleComparison)? in
            let oldDirectory = old.root.applicationDirectory(name, version: version)
            let newDirectory = new.root.applicationDirectory(name, version: version)
            if URL(fileURLWithPath: oldDirectory).standardizedFileURL == URL(fileURLWithPath: newDirectory).standardizedFileURL { return nil }
            // What their beams import from is kept, for the calls-that-break check, which then need not read them.
            return (version, ModuleComparison(application: name, oldDirectory: oldDirectory, newDirectory: newDirectory,
                                              recordImports: options.findRisks ? .ifReadable : .off))
        }
        let sameVersion = sameVersionEntries.map(\.comparison)
        let upgradedComparisons = upgradedEntries.map { name, fromVersion, toVersion in
            ModuleComparison(application: name, oldDirectory: old.root.applicationDirectory(name, version: fromVersion),
                             newDirectory: new.root.applicationDirectory(name, version: toVersion), recordImports: options.findRisks ? .required : .off)
        }
        // Every .app these steps read, parsed once and on every core.
        let resources = ApplicationResources()
        resources.prefetch((sameVersion + upgradedComparisons).flatMap { [($0.oldDirectory, $0.application), ($0.newDirectory, $0.application)] }
            + new.release.applications.map { (new.root.applicationDirectory($0.name, version: $0.version), $0.name) })
        let diffs = try compareModules(sameVersion + upgradedComparisons, resources: resources)

        // Unchanged versions must hold unchanged code: release_handler would not load it.
        var warnings = [AppupWarning]()
        var unchangedImports = [String: ImportedModules]()
        for ((version, comparison), result) in zip(sameVersionEntries, diffs) {
            let name = comparison.application, newDirectory = comparison.newDirectory
            let diff = try result.get()
            for (module, imports) in diff.importedModules { unchangedImports["\(name)/\(module)"] = imports }
            let changed = diff.added + diff.deleted + diff.changed.map(\.module)
            if !changed.isEmpty {
                let list = changed.sorted().joined(separator: ", ")
                guard options.acceptRebuilt.contains(name) else {
                    throw PlanningError(file: "\(newDirectory)/ebin/\(name).app",
                                        message: "application \(name) keeps version \(version), but its modules changed: \(list)",
                                        hint: "release_handler upgrades only applications whose version changed; bump \(name)'s vsn, or pass --accept-rebuilt \(name) to go on with the node keeping the previous build's code of \(name) until it restarts")
                }
                warnings.append(AppupWarning(code: "rebuilt_same_version", application: name,
                                             message: "keeps version \(version) while \(changed.count) module\(changed.count == 1 ? "" : "s") changed (\(list)); accepted (--accept-rebuilt): release_handler will not load them, so the node keeps the previous build's code of \(name) until it restarts"))
            }
        }

        // Each upgraded application is planned on its own core; results, warnings and the first failure in release order.
        let planned = parallelMap(Array(zip(upgradedEntries, zip(upgradedComparisons, diffs.dropFirst(sameVersion.count))))) { entry, pair in
            Result { () throws(PlanningError) in
                try planApplication(name: entry.name, fromVersion: entry.from, toVersion: entry.to, comparison: pair.0, diff: try pair.1.get(), options: options)
            }
        }
        var upgraded = [AppupPlan.Application]()
        var riskInputs = [RiskFinder.Upgraded]()
        for outcome in planned {
            let (application, riskInput, applicationWarnings) = try outcome.get()
            upgraded.append(application)
            riskInputs.append(riskInput)
            warnings += applicationWarnings
        }
        try loadConsolidatedProtocols(old: old, new: new, upgraded: &upgraded, warnings: &warnings, resources: resources)
        var plan = AppupPlan(releaseName: new.release.name, fromVersion: old.release.version, toVersion: new.release.version,
                             upgraded: upgraded, added: added, removed: removed, unchanged: unchanged, warnings: warnings)
        var accepted = options.accepted
        if let overrides = options.overridesDirectory { accepted.formUnion(try acceptedInOverrides(overrides)) }
        // An upgrade to another emulator restarts the node into release_handler's temporary release, which boots the
        // new kernel, stdlib and sasl: nothing of theirs is hot-loaded, so their state and code_change risks are moot.
        if old.release.ertsVersion != new.release.ertsVersion {
            riskInputs.removeAll { ["kernel", "stdlib", "sasl"].contains($0.name) }
        }
        plan.risks = !options.findRisks ? [] : RiskFinder.find(old: old, new: new, upgraded: riskInputs, unchangedImports: unchangedImports, source: DebugInfoSource(directories: options.debugInfoFrom), resources: resources).map { risk in
            var risk = risk
            risk.accepted = accepted.contains("\(risk.code):\(risk.module ?? risk.application)")
            return risk
        }
        if options.restartOnNativeCode { restartApplicationsWithNativeCode(&plan) }
        return plan
    }

    /// One upgraded application's appup: generated from its diff, or the hand-written one (ebin, else src), or an
    /// override; with what the risk checks read of it, and the warnings about generated instructions if they are used.
    static func planApplication(name: String, fromVersion: String, toVersion: String, comparison: ModuleComparison, diff: ModuleDiff,
                                options: Options) throws(PlanningError) -> (AppupPlan.Application, RiskFinder.Upgraded, [AppupWarning]) {
        let oldDirectory = comparison.oldDirectory, newDirectory = comparison.newDirectory
        let riskInput = RiskFinder.Upgraded(name: name, diff: diff, oldDirectory: oldDirectory, newDirectory: newDirectory)
        // Warnings about generated instructions count only if those instructions are used.
        var generatedWarnings = [AppupWarning]()
        var application = try decide(name: name, fromVersion: fromVersion, toVersion: toVersion, diff: diff, warnings: &generatedWarnings)
        let existingPath = "\(newDirectory)/ebin/\(name).appup"
        let sourcePath = "\(newDirectory)/src/\(name).appup.src"
        application.path = options.outputDirectory.map { "\($0)/\(name).appup" } ?? existingPath
        // ebin/<app>.appup wins, as in rebar; else src/<app>.appup.src, which rebar would have written there.
        let handWritten = FileManager.default.fileExists(atPath: existingPath) ? existingPath
            : FileManager.default.fileExists(atPath: sourcePath) ? sourcePath : nil
        var existing: Appup?
        if let handWritten {
            do {
                existing = try readHandWritten(handWritten, application: name, fromVersion: fromVersion, toVersion: toVersion)
            } catch where options.checking {
                existing = nil
            }
        }
        if let handWritten, let existing {
            if !options.force, existing.up.contains(where: { $0.matches(fromVersion) }) {
                application.appup = existing
                application.source = handWritten == existingPath ? .kept(file: existingPath) : .handWritten(file: sourcePath)
            } else {
                // Keep the file's entries for other versions, and add ours.
                application.appup.up += existing.up.filter { !$0.matches(fromVersion) }
                application.appup.down += existing.down.filter { !$0.matches(fromVersion) }
            }
        }
        if application.source == .generated, let overrides = options.overridesDirectory {
            try applyOverride(directory: overrides, to: &application)
        }
        return (application, riskInput, application.usesGeneratedInstructions ? generatedWarnings : [])
    }

    /// `<overrides>/accept.config`: `{accept, ["CODE:Module", ...]}.`, the same as `--accept` on the command line.
    static func acceptedInOverrides(_ directory: String) throws(PlanningError) -> Set<String> {
        let file = "\(directory)/accept.config"
        guard FileManager.default.fileExists(atPath: file) else { return [] }
        let terms: [Term]
        do {
            terms = try TermReader.consult(path: file)
        } catch {
            throw PlanningError(message: error.description)
        }
        var accepted = Set<String>()
        for term in terms {
            guard let pair = term.tupleElements, pair.count == 2, pair[0] == .atom("accept"), let list = pair[1].listElements,
                  list.allSatisfy({ $0.stringValue != nil }) else {
                throw PlanningError(file: file, message: "expected {accept, [\"CODE:Module\", ...]}, found \(TermWriter.render(term).prefix(80))",
                                    hint: "each string is a risk's code and module (or application), as --accept takes it")
            }
            accepted.formUnion(list.compactMap(\.stringValue))
        }
        return accepted
    }

    /// An application whose native code changed is restarted by the upgrade instead of having its modules loaded:
    /// a NIF library cannot be replaced reliably in a running emulator. Said in the plan; its risks are then handled.
    static func restartApplicationsWithNativeCode(_ plan: inout AppupPlan) {
        let applications = Set(plan.risks.filter { $0.code == "native_code_changed" && !$0.accepted }.map(\.application))
        for index in plan.upgraded.indices where applications.contains(plan.upgraded[index].name) && plan.upgraded[index].usesGeneratedInstructions {
            let name = plan.upgraded[index].name
            let restart: [Term] = [.tuple([.atom("restart_application"), .atom(name)])]
            for entry in plan.upgraded[index].appup.up.indices where plan.upgraded[index].appup.up[entry].matches(plan.upgraded[index].fromVersion) {
                plan.upgraded[index].appup.up[entry].instructions = restart
            }
            for entry in plan.upgraded[index].appup.down.indices where plan.upgraded[index].appup.down[entry].matches(plan.upgraded[index].fromVersion) {
                plan.upgraded[index].appup.down[entry].instructions = restart
            }
            plan.warnings.append(AppupWarning(code: "restarted_for_native_code", application: name,
                                              message: "its native code changed, so the appup restarts it ({restart_application, \(name)}) instead of loading its modules; its processes restart (--native-code refuse keeps the module loads and the error)"))
            for risk in plan.risks.indices where plan.risks[risk].code == "native_code_changed" && plan.risks[risk].application == name {
                plan.risks[risk].accepted = true
                plan.risks[risk].seen += "; handled: the appup restarts \(name)"
            }
        }
    }

    /// mix releases: changed consolidated protocols are loaded by a generated appup (see `ConsolidatedProtocols`).
    static func loadConsolidatedProtocols(old: Side, new: Side, upgraded: inout [AppupPlan.Application], warnings: inout [AppupWarning],
                                          resources: ApplicationResources = ApplicationResources()) throws(PlanningError) {
        var owners = [String: String](), carriers = [(name: String, modules: [String])]()
        for entry in new.release.applications {
            for module in try resources.resource(new.root.applicationDirectory(entry.name, version: entry.version), entry.name).modules { owners[module] = entry.name }
        }
        for application in upgraded where application.usesGeneratedInstructions {
            carriers.append((application.name, try resources.resource(new.root.applicationDirectory(application.name, version: application.toVersion), application.name).modules))
        }
        let loads = try ConsolidatedProtocols.loads(oldDirectory: "\(old.root.path)/releases/\(old.release.version)/consolidated",
                                                    newDirectory: "\(new.root.path)/releases/\(new.release.version)/consolidated",
                                                    upgraded: carriers, owners: owners)
        if carriers.isEmpty, FileManager.default.fileExists(atPath: "\(new.root.path)/releases/\(new.release.version)/consolidated"), !upgraded.isEmpty {
            warnings.append(AppupWarning(code: "protocols_not_reloaded", application: nil,
                                         message: "consolidated protocols: every upgraded application keeps a hand-written appup, so changed consolidated protocols are not reloaded; load them in one of those appups or use --force"))
        }
        for index in upgraded.indices {
            ConsolidatedProtocols.apply(loads, to: &upgraded[index], fromVersion: old.release.version, toVersion: new.release.version)
        }
    }

    /// A hand-written appup (`ebin/<app>.appup` or `src/<app>.appup.src`), read and checked: one appup term whose
    /// version is the application's new one, and whose instructions for the old version systools accepts.
    static func readHandWritten(_ file: String, application: String, fromVersion: String, toVersion: String) throws(PlanningError) -> Appup {
        let appup: Appup
        do {
            appup = try Appup(path: file)
        } catch {
            let script = file.hasSuffix(".appup.src") ? "; rebar3 also evaluates .appup.src as a script (file:script/2), which Relswap does not: write the plain appup term" : ""
            throw PlanningError(file: error.file, message: error.message, hint: (error.hint ?? "fix the appup") + script)
        }
        guard appup.version == toVersion else {
            throw PlanningError(file: file, message: "the appup is for version \(appup.version), but \(application) is version \(toVersion)",
                                hint: "make its first element \"\(toVersion)\", or remove the file so that relswap generates the appup")
        }
        for (direction, entries) in [("upgrade", appup.up), ("downgrade", appup.down)] {
            for entry in entries where entry.matches(fromVersion) {
                for instruction in RelupBuilder.expandScript(entry.instructions) {
                    if let problem = RelupBuilder.checkInstruction(instruction) {
                        throw PlanningError(file: file, message: "\(direction) \(TermWriter.render(entry.version)): \(problem)",
                                            hint: "see the appup grammar in OTP's appup(5), or remove the file so that relswap generates the appup")
                    }
                }
            }
        }
        return appup
    }

    // MARK: - MODULE DIFF (ModuleComparison.swift)

    static func applicationResource(_ directory: String, _ name: String) throws(PlanningError) -> ApplicationResource {
        do {
            return try ApplicationResource(path: "\(directory)/ebin/\(name).app")
        } catch {
            throw PlanningError(file: error.file, message: error.message, hint: error.hint)
        }
    }

    // MARK: - INSTRUCTIONS (choice, dependencies, order, downgrade)

    static func decide(name: String, fromVersion: String, toVersion: String, diff: ModuleDiff,
                       warnings: inout [AppupWarning]) throws(PlanningError) -> AppupPlan.Application {
        let instructionModules = Set(diff.added + diff.changed.map(\.module))
        var dependencies = [String: Set<String>]()
        for change in diff.changed {
            dependencies[change.module] = Set(change.new.imports.map(\.module)).intersection(instructionModules).subtracting([change.module])
        }
        var changes = [String: AppupPlan.ModuleChange]()
        for module in diff.added {
            changes[module] = .init(module: module, kind: "added", instruction: .tuple([.atom("add_module"), .atom(module)]),
                                    reason: "new in \(toVersion)")
        }
        for change in diff.changed {
            let (instruction, reason) = instruction(for: change.new, dependencies: dependencies[change.module] ?? [])
            changes[change.module] = .init(module: change.module, kind: "changed", instruction: instruction, reason: reason)
            warnings += review(application: name, module: change.module, new: change.new, old: change.old)
        }
        let (order, cycles) = InstructionOrder(dependencies: dependencies).sorted(Array(instructionModules))
        for cycle in cycles {
            warnings.append(AppupWarning(code: "cycle", application: name, module: cycle.first,
                                         message: "modules \(cycle.joined(separator: ", ")) call each other in a cycle; their instructions are kept together"))
        }
        var up = order.compactMap { changes[$0] }
        for module in diff.deleted {
            up.append(.init(module: module, kind: "deleted", instruction: .tuple([.atom("delete_module"), .atom(module)]), reason: "gone in \(toVersion)"))
        }
        // The downgrade undoes the upgrade: the same updates and loads in reverse order, added modules
        // deleted, deleted modules added back.
        let down: [Term] = up.reversed().map { change in
            switch change.kind {
            case "added": return .tuple([.atom("delete_module"), .atom(change.module)])
            case "deleted": return .tuple([.atom("add_module"), .atom(change.module)])
            default: return change.instruction
            }
        }
        var upInstructions = up.map(\.instruction), downInstructions = down
        let children = ChildInstructions.changes(application: name, changed: diff.changed, warnings: &warnings)
        ChildInstructions.apply(children, up: &upInstructions, down: &downInstructions)
        let appup = Appup(version: toVersion,
                          up: [.init(version: .text(fromVersion), instructions: upInstructions)],
                          down: [.init(version: .text(fromVersion), instructions: downInstructions)])
        var application = AppupPlan.Application(name: name, fromVersion: fromVersion, toVersion: toVersion, changes: up,
                                                noiseOnly: diff.noiseOnly, cycles: cycles, appup: appup, source: .generated, path: "")
        application.children = children
        return application
    }

    /// The instruction for a changed module, chosen from its new beam.
    static func instruction(for beam: BeamModule, dependencies: Set<String>) -> (Term, String) {
        let deps = Term.list(dependencies.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map(Term.atom))
        let module = Term.atom(beam.name)
        if beam.behaviours.contains(where: supervisorBehaviours.contains) {
            return (.tuple([.atom("update"), module, .atom("supervisor")]), "a supervisor: its child specifications are updated")
        }
        let codeChange = [("code_change", 3), ("code_change", 4), ("system_code_change", 4)].first { beam.exports($0.0, arity: $0.1) }
        if let (function, arity) = codeChange {
            let kind = beam.behaviours.first { processBehaviours.contains($0) }.map { " (\($0))" } ?? ""
            return (.tuple([.atom("update"), module, .tuple([.atom("advanced"), .list([])]), deps]),
                    "exports \(function)/\(arity)\(kind): its processes are suspended and their state moved on")
        }
        return (.tuple([.atom("load_module"), module, deps]), "no code_change and not a supervisor: the new code is loaded")
    }

    /// Changes a person should look at.
    static func review(application: String, module: String, new: BeamModule, old: BeamModule) -> [AppupWarning] {
        var warnings = [AppupWarning]()
        func hasCodeChange(_ beam: BeamModule) -> Bool {
            beam.exports("code_change", arity: 3) || beam.exports("code_change", arity: 4) || beam.exports("system_code_change", arity: 4)
        }
        if let process = new.behaviours.first(where: { processBehaviours.contains($0) }), !hasCodeChange(new) {
            warnings.append(AppupWarning(code: "no_code_change", application: application, module: module,
                                         message: "\(module) is a \(process) without code_change: its processes keep their state as it is; if the state's shape changed, add code_change"))
        }
        if hasCodeChange(new) != hasCodeChange(old) {
            warnings.append(AppupWarning(code: "code_change_changed", application: application, module: module,
                                         message: "\(module) \(hasCodeChange(new) ? "gained" : "lost") code_change, so its instruction changed kind"))
        }
        if Set(new.behaviours) != Set(old.behaviours) {
            warnings.append(AppupWarning(code: "behaviour_changed", application: application, module: module,
                                         message: "\(module)'s behaviours changed from [\(old.behaviours.joined(separator: ", "))] to [\(new.behaviours.joined(separator: ", "))]"))
        }
        return warnings
    }

    // MARK: - OVERRIDES

    /// The module an instruction is about, if it names one.
    static func module(of instruction: Term) -> String? {
        guard let parts = instruction.tupleElements, parts.count >= 2 else { return nil }
        switch parts[0].atomValue {
        case "load_module", "update", "add_module", "delete_module":
            return parts[1].atomValue
        default:
            return nil
        }
    }

    /// Applies `<overrides>/<app>.appup`: an entry `{FromVsn, Instructions}` matching the old version replaces the
    /// generated instruction of each module it names and appends the rest; `{FromVsn, {replace, Instructions}}`
    /// replaces the generated list.
    static func applyOverride(directory: String, to application: inout AppupPlan.Application) throws(PlanningError) {
        let file = "\(directory)/\(application.name).appup"
        guard FileManager.default.fileExists(atPath: file) else { return }
        let terms: [Term]
        do {
            terms = try TermReader.consult(path: file)
        } catch {
            throw PlanningError(message: error.description)
        }
        guard terms.count == 1, let parts = terms[0].tupleElements, parts.count == 3,
              let up = parts[1].listElements, let down = parts[2].listElements else {
            throw PlanningError(file: file, message: "an override is {Vsn | '*', [{FromVsn, Instructions}], [{FromVsn, Instructions}]}")
        }
        if parts[0] != .atom("*"), parts[0].stringValue != application.toVersion { return }
        func merge(_ entries: [Term], into instructions: inout [Term], direction: String) throws(PlanningError) {
            for entry in entries {
                guard let pair = entry.tupleElements, pair.count == 2 else {
                    throw PlanningError(file: file, message: "each \(direction) entry is {FromVsn, Instructions}; \(TermWriter.render(entry).prefix(80)) is not")
                }
                if case .binary(let bytes) = pair[0], !Appup.isRegularExpression(bytes) {
                    throw PlanningError(file: file, message: "the \(direction) entry's version \(TermWriter.render(pair[0])) is not a valid regular expression",
                                        hint: "a binary version is matched as a regular expression against the whole version; fix it, or give the version as a string")
                }
                guard Appup.versionMatches(pair[0].stringValue.map(Term.text) ?? pair[0], application.fromVersion) else { continue }
                if let replace = pair[1].tupleElements, replace.count == 2, replace[0] == .atom("replace"), let all = replace[1].listElements {
                    instructions = all
                    continue
                }
                guard let list = pair[1].listElements else {
                    throw PlanningError(file: file, message: "instructions must be a list or {replace, List}")
                }
                for instruction in list {
                    if let name = module(of: instruction), let index = instructions.firstIndex(where: { module(of: $0) == name }) {
                        instructions[index] = instruction
                    } else {
                        instructions.append(instruction)
                    }
                }
            }
        }
        var upInstructions = application.appup.up[0].instructions, downInstructions = application.appup.down[0].instructions
        try merge(up, into: &upInstructions, direction: "upgrade")
        try merge(down, into: &downInstructions, direction: "downgrade")
        application.appup.up[0].instructions = upInstructions
        application.appup.down[0].instructions = downInstructions
        application.source = .overridden(file: file)
    }

    // MARK: - COVERAGE (--check)

    /// Modules an instruction list covers; `nil` means all (a restart of the application covers everything).
    static func coveredModules(_ instructions: [Term], application: String) -> Set<String>? {
        var modules = Set<String>()
        for instruction in instructions {
            if instruction == .atom("restart_new_emulator") || instruction == .atom("restart_emulator") { return nil }
            guard let parts = instruction.tupleElements, let kind = parts.first?.atomValue else { continue }
            switch kind {
            case "restart_application" where parts.count == 2 && parts[1].atomValue == application:
                return nil
            case "load_module", "update", "add_module", "delete_module":
                if parts.count >= 2, let module = parts[1].atomValue { modules.insert(module) }
            case "load", "remove":
                if parts.count == 2, let module = parts[1].tupleElements?.first?.atomValue { modules.insert(module) }
            case "purge", "suspend", "resume":
                if parts.count == 2 { modules.formUnion(parts[1].listElements?.compactMap { $0.atomValue ?? $0.tupleElements?.first?.atomValue } ?? []) }
            case "load_object_code":
                if parts.count == 2, let triple = parts[1].tupleElements, triple.count == 3 {
                    modules.formUnion(triple[2].listElements?.compactMap(\.atomValue) ?? [])
                }
            default:
                break
            }
        }
        return modules
    }
}
