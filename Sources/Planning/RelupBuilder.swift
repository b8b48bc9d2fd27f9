import ErlangTerm
import ReleaseModel

/// One application as the relup translation sees it (systools' `#application{}`): its modules, its
/// start type in the release, and its appup (read from the new release's application directory).
public struct RelupApplication: Sendable {
    public var name: String
    public var version: String
    public var type: String
    public var modules: [String]
    /// The appup file and its contents, if the application has one.
    public var appup: (file: String, appup: Appup)?

    public init(name: String, version: String, type: String, modules: [String], appup: (file: String, appup: Appup)?) {
        self.name = name
        self.version = version
        self.type = type
        self.modules = modules
        self.appup = appup
    }
}

/// A release with its applications in boot order (`systools_make:sort_appls/1`).
public struct RelupRelease: Sendable {
    public var release: ReleaseResource
    public var applications: [RelupApplication]
    public init(release: ReleaseResource, applications: [RelupApplication]) {
        self.release = release
        self.applications = applications
    }
}

/// Builds a relup as `systools:make_relup/4` does (OTP 25 `systools_relup` and `systools_rc`).
///
/// Per base release: an erts change gives `restart_new_emulator`; added applications, the appup scripts
/// of upgraded applications in boot order, removed applications, then `systools_rc:translate_scripts/4`,
/// whose passes are the functions below, each named after the systools function it mirrors.
public enum RelupBuilder {
    public struct Options: Sendable {
        /// systools' `restart_emulator` option: end every script with `restart_emulator`.
        public var restartEmulator = false
        public init() {}
    }

    /// `{TopVsn, [{BaseVsn, Descr, Script}], [{BaseVsn, Descr, Script}]}`, bases in the reverse of the order
    /// given (systools accumulates them by prepending).
    public static func relup(top: RelupRelease, upFrom: [RelupRelease], downTo: [RelupRelease],
                             options: Options = Options()) throws(PlanningError) -> Term {
        for release in [top] + upFrom + downTo where !release.release.applications.contains(where: { $0.name == "sasl" }) {
            throw missingSasl(release.release)
        }
        var up = [Term](), down = [Term]()
        for base in upFrom {
            let script = fixR15SaslUpgrade(try translate(mode: .up, top: top, base: base, options: options), base: base)
            up.insert(.tuple([.text(base.release.version), .list([]), .list(script)]), at: 0)
        }
        for base in downTo {
            let script = try translate(mode: .down, top: top, base: base, options: options)
            down.insert(.tuple([.text(base.release.version), .list([]), .list(script)]), at: 0)
        }
        return .tuple([.text(top.release.version), .list(up), .list(down)])
    }

    enum Mode { case up, down }

    /// `fix_r15_sasl_upgrade/3`: from a sasl older than 2.2 (before R15), whose release_handler cannot restart the
    /// emulator first, `restart_new_emulator` goes last and `restart_emulator` is dropped. systools compares the
    /// versions as Erlang strings (lists of code points), so that comparison is kept.
    static func fixR15SaslUpgrade(_ script: [Term], base: RelupRelease) -> [Term] {
        guard script.first == .atom("restart_new_emulator"),
              let sasl = base.release.applications.first(where: { $0.name == "sasl" }),
              sasl.version.unicodeScalars.map(\.value).lexicographicallyPrecedes("2.2".unicodeScalars.map(\.value)) else { return script }
        var rest = Array(script.dropFirst())
        if let index = rest.firstIndex(of: .atom("restart_emulator")) { rest.remove(at: index) }  // lists:delete/2: the first only
        return rest + [.atom("restart_new_emulator")]
    }

    /// The module an instruction names that the application lacks where it is loaded from (the version moved to)
    /// or removed from (the version moved from), and that version; nil if it has it or names none.
    static func missingModule(_ instruction: Term, up: Bool, newModules: [String], newVersion: String,
                              oldModules: [String], oldVersion: String) -> (module: String, version: String, deleting: Bool)? {
        guard let module = dependentModule(instruction) ?? lowLevelModule(instruction) else { return nil }
        let deleting = isKind(instruction, "delete_module") || isKind(instruction, "remove")
        let (owner, version) = up != deleting ? (newModules, newVersion) : (oldModules, oldVersion)
        return owner.contains(module) ? nil : (module, version, deleting)
    }

    static func missingSasl(_ release: ReleaseResource) -> PlanningError {
        PlanningError(message: "release \(release.name) \(release.version) has no sasl, so it cannot be upgraded",
                      hint: "release_handler is part of sasl; add sasl to the release (in a mix project: extra_applications: [:logger, :sasl] in mix.exs, then mix release again)")
    }

    /// `foreach_baserel_up/7` and `foreach_baserel_dn/7` for one base.
    static func translate(mode: Mode, top: RelupRelease, base: RelupRelease, options: Options) throws(PlanningError) -> [Term] {
        let baseVersions = Dictionary(base.release.applications.map { ($0.name, $0.version) }, uniquingKeysWith: { first, _ in first })
        // collect_appup_scripts/5: top applications in boot order, whose version differs in the base.
        var scripts = [[Term]]()
        var collected = [(application: RelupApplication, baseVersion: String, file: String, expanded: [Term])]()
        for application in top.applications {
            guard let baseVersion = baseVersions[application.name], baseVersion != application.version else { continue }
            guard let (file, appup) = application.appup else {
                throw PlanningError(file: "lib/\(application.name)-\(application.version)/ebin/\(application.name).appup",
                                    message: "application \(application.name) changed from \(baseVersion) to \(application.version) but has no appup",
                                    hint: "run relswap generate-appups, or write the appup")
            }
            let entries = mode == .up ? appup.up : appup.down
            guard let entry = entries.first(where: { $0.matches(baseVersion) }) else {
                throw PlanningError(file: file, message: "application \(application.name) has no \(mode == .up ? "upgrade from" : "downgrade to") \(baseVersion) in its appup",
                                    hint: "add {\"\(baseVersion)\", [Instructions]} to the \(mode == .up ? "upgrade" : "downgrade") list, or regenerate it with relswap generate-appups")
            }
            collected.append((application, baseVersion, file, expandScript(entry.instructions)))
        }
        // check_syntax/1 runs on the merged, expanded script (a nested list is spliced in unexpanded, one level,
        // so short forms inside it are malformed, as systools finds them), before anything looks up a module.
        for (application, baseVersion, file, expanded) in collected {
            for instruction in expanded {
                if let (tag, _) = syntaxError(instruction), let problem = checkInstruction(instruction) {
                    throw PlanningError(file: file, message: "application \(application.name), \(mode == .up ? "upgrade from" : "downgrade to") \(baseVersion): \(problem)",
                                        reason: tag)
                }
            }
        }
        for (application, baseVersion, file, expanded) in collected {
            // Every module an instruction names must exist where it is loaded from or removed.
            let baseApplication = base.applications.first { $0.name == application.name }
            for instruction in expanded {
                if let missing = missingModule(instruction, up: mode == .up, newModules: application.modules, newVersion: application.version,
                                               oldModules: baseApplication?.modules ?? [], oldVersion: baseVersion) {
                    throw PlanningError(file: file, message: "application \(application.name), \(mode == .up ? "upgrade from" : "downgrade to") \(baseVersion): \(TermWriter.render(instruction)) names module \(missing.module), which \(application.name) \(missing.version) does not have",
                                        hint: "fix the appup, or add the module to the application's modules list",
                                        reason: missing.deleting ? nil : "no_such_module")
                }
            }
            scripts.append(expanded)
        }
        // prepend_add_app_scripts/4 and append_remove_app_scripts/4.
        let (from, to) = mode == .up ? (base.release, top.release) : (top.release, base.release)
        let fromNames = Set(from.applications.map(\.name)), toNames = Set(to.applications.map(\.name))
        let adds = to.applications.filter { !fromNames.contains($0.name) }.map { [Term.tuple([.atom("add_application"), .atom($0.name), .atom($0.type)])] }
        let removes = from.applications.filter { !toNames.contains($0.name) }.map { [Term.tuple([.atom("remove_application"), .atom($0.name)])] }
        scripts = adds + scripts + removes
        // check_for_emulator_restart/5.
        if top.release.ertsVersion != base.release.ertsVersion { scripts.insert([.atom("restart_new_emulator")], at: 0) }
        if options.restartEmulator { scripts.append([.atom("restart_emulator")]) }
        // translate_scripts(up, RUs, TopApps, BaseApps) / translate_scripts(dn, RUs, BaseApps, TopApps).
        let (applications, previous) = mode == .up ? (top.applications, base.applications) : (base.applications, top.applications)
        return try translateScripts(mode: mode, scripts: scripts, applications: applications, previous: previous)
    }

    // MARK: - systools_rc:translate_scripts/4

    static func translateScripts(mode: Mode, scripts: [[Term]], applications: [RelupApplication],
                                 previous: [RelupApplication]) throws(PlanningError) -> [Term] {
        let merged = try mergeScripts(scripts.map(expandScript))
        let normalized = normalizeInstructions(merged)
        var script = try splitScript(normalized)
        try checkScript(script)
        script.after = try translateApplicationInstructions(script.after, applications: applications, previous: previous)
        script.after = translateAddModuleInstructions(script.after)
        script = try translateDependentInstructions(mode: mode, script, applications: applications)
        script.before = try mergeLoadObjectCode(script.before)
        script = sortEmulatorRestart(mode: mode, script)
        return script.before + [.atom("point_of_no_return")] + script.after
    }

    /// Instructions before and after `point_of_no_return`.
    struct SplitScript {
        var before: [Term]
        var after: [Term]
    }

    static func failure(_ message: String) -> PlanningError { PlanningError(message: "relup: \(message)") }

    // MARK: EXPANSION (expand_script/1): defaults filled in, so later passes see one shape

    static func expandScript(_ script: [Term]) -> [Term] {
        var result = [Term]()
        for instruction in script {
            // As expand_script/1: a list is spliced in as it is, its elements not expanded.
            if let nested = instruction.listElements, instruction.isList {
                result += nested
                continue
            }
            result.append(expand(instruction))
        }
        return result
    }

    static let brutal = Term.atom("brutal_purge")

    static func expand(_ instruction: Term) -> Term {
        guard let parts = instruction.tupleElements, let kind = parts.first?.atomValue else { return instruction }
        func isChange(_ term: Term) -> Bool { term.tupleElements != nil || term == .atom("soft") }
        switch (kind, parts.count) {
        case ("load_module", 2): return .tuple([.atom("load_module"), parts[1], brutal, brutal, .list([])])
        case ("load_module", 3) where parts[2].isList: return .tuple([.atom("load_module"), parts[1], brutal, brutal, parts[2]])
        case ("update", 2): return .tuple([.atom("update"), parts[1], .atom("soft"), brutal, brutal, .list([])])
        case ("update", 3) where parts[2] == .atom("supervisor"):
            return .tuple([.atom("update"), parts[1], .atom("static"), .atom("default"), .tuple([.atom("advanced"), .list([])]), brutal, brutal, .list([])])
        case ("update", 3) where isChange(parts[2]): return .tuple([.atom("update"), parts[1], parts[2], brutal, brutal, .list([])])
        case ("update", 3) where parts[2].isList: return .tuple([.atom("update"), parts[1], .atom("soft"), brutal, brutal, parts[2]])
        case ("update", 4) where isChange(parts[2]) && parts[3].isList: return .tuple([.atom("update"), parts[1], parts[2], brutal, brutal, parts[3]])
        case ("add_application", 2): return .tuple([.atom("add_application"), parts[1], .atom("permanent")])
        default: return instruction
        }
    }

    // MARK: MERGE (merge_scripts/1, split_script/1)

    static func mergeScripts(_ scripts: [[Term]]) throws(PlanningError) -> [Term] {
        var before = [Term](), after = [Term]()
        for script in scripts {
            let split = try splitScript(script)
            before += split.before
            after += split.after
        }
        return before + [.atom("point_of_no_return")] + after
    }

    /// Splits at `point_of_no_return`; only `load_object_code` and `apply` may come before it, and every
    /// `load_object_code` after it moves before it (order kept).
    static func splitScript(_ script: [Term]) throws(PlanningError) -> SplitScript {
        let marker = Term.atom("point_of_no_return")
        var before = [Term](), after = script
        if let index = script.firstIndex(of: marker) {
            guard !script[(index + 1)...].contains(marker) else { throw failure("too many point_of_no_return") }
            before = Array(script[..<index])
            after = Array(script[(index + 1)...])
        }
        for instruction in before where !isKind(instruction, "load_object_code") && !isKind(instruction, "apply") {
            throw failure("\(TermWriter.render(instruction)) may not come before point_of_no_return")
        }
        let found = after.filter { isKind($0, "load_object_code") }
        return SplitScript(before: before + found, after: after.filter { !isKind($0, "load_object_code") })
    }

    static func isKind(_ instruction: Term, _ kind: String) -> Bool {
        instruction.tupleElements?.first == .atom(kind)
    }

    // MARK: CHECKS (check_script/2)

    static func checkScript(_ script: SplitScript) throws(PlanningError) {
        // find_object_code/2: only load_object_code loads (an apply's arguments before it are not modules).
        let loaded = Set(script.before.filter { isKind($0, "load_object_code") }
            .compactMap { $0.tupleElements?[1].tupleElements?[2].listElements }.joined().compactMap(\.atomValue))
        for instruction in script.after where isKind(instruction, "load") {
            if let module = instruction.tupleElements?[1].tupleElements?.first?.atomValue, !loaded.contains(module) {
                var error = failure("{load, {\(module), ...}} has no load_object_code for \(module) before point_of_no_return")
                error.reason = "no_object_code"
                throw error
            }
        }
        func modules(_ kind: String) -> [String] {
            script.after.filter { isKind($0, kind) }.flatMap { $0.tupleElements?[1].listElements ?? [] }
                .compactMap { $0.atomValue ?? $0.tupleElements?.first?.atomValue }
        }
        let suspended = Set(modules("suspend")), resumed = Set(modules("resume"))
        if let module = suspended.subtracting(resumed).sorted().first { throw failure("\(module) is suspended but not resumed") }
        if let module = resumed.subtracting(suspended).sorted().first { throw failure("\(module) is resumed but not suspended") }
        let started = Set(modules("start")), stopped = Set(modules("stop"))
        if let module = started.symmetricDifference(stopped).sorted().first { throw failure("\(module) is started and stopped unevenly") }
    }

    // MARK: NORMALISATION (normalize_instrs/1)

    static func normalizeInstructions(_ script: [Term]) -> [Term] {
        script.map { instruction in
            guard let parts = instruction.tupleElements, let kind = parts.first?.atomValue else { return instruction }
            switch (kind, parts.count) {
            case ("update", 6): return .tuple([parts[0], parts[1], .atom("dynamic"), .atom("default")] + parts[2...])
            case ("update", 7): return .tuple([parts[0], parts[1], .atom("dynamic")] + parts[2...])
            case ("add_module", 2), ("delete_module", 2): return .tuple(parts + [.list([])])
            default: return instruction
            }
        }
    }

    // MARK: APPLICATIONS (translate_application_instrs/3, translate_add_module_instrs/2)

    static func startApply(_ name: String, type: String) -> [Term] {
        switch type {
        case "none": return []
        case "load": return [.tuple([.atom("apply"), .tuple([.atom("application"), .atom("load"), .list([.atom(name)])])])]
        default: return [.tuple([.atom("apply"), .tuple([.atom("application"), .atom("start"), .list([.atom(name), .atom(type)])])])]
        }
    }

    static func apply(_ function: String, _ name: String) -> Term {
        .tuple([.atom("apply"), .tuple([.atom("application"), .atom(function), .list([.atom(name)])])])
    }

    static func remove(_ module: String) -> Term {
        .tuple([.atom("remove"), .tuple([.atom(module), brutal, brutal])])
    }

    static func translateApplicationInstructions(_ script: [Term], applications: [RelupApplication],
                                                 previous: [RelupApplication]) throws(PlanningError) -> [Term] {
        func find(_ name: String, _ list: [RelupApplication]) -> RelupApplication? { list.first { $0.name == name } }
        var result = [Term]()
        for instruction in script {
            guard let parts = instruction.tupleElements, let kind = parts.first?.atomValue, parts.count >= 2, let name = parts[1].atomValue else {
                result.append(instruction)
                continue
            }
            switch (kind, parts.count) {
            case ("add_application", 3):
                guard let application = find(name, applications) else { throw failure("no such application \(name)") }
                result += application.modules.map { .tuple([.atom("add_module"), .atom($0), .list([])]) }
                result += startApply(name, type: parts[2].atomValue ?? "permanent")
            case ("remove_application", 2):
                if find(name, applications) != nil { throw failure("application \(name) is removed but still in the release") }
                guard let application = find(name, previous) else { throw failure("no such application \(name)") }
                result.append(apply("stop", name))
                result += application.modules.map(remove)
                result += [.tuple([.atom("purge"), .list(application.modules.map(Term.atom))]), apply("unload", name)]
            case ("restart_application", 2):
                guard let before = find(name, previous), let after = find(name, applications) else { throw failure("no such application \(name)") }
                result.append(apply("stop", name))
                result += before.modules.map(remove)
                result.append(.tuple([.atom("purge"), .list(before.modules.map(Term.atom))]))
                result += after.modules.map { .tuple([.atom("add_module"), .atom($0), .list([])]) }
                result += startApply(name, type: after.type)
            default:
                result.append(instruction)
            }
        }
        return result
    }

    static func translateAddModuleInstructions(_ script: [Term]) -> [Term] {
        script.map { instruction in
            guard let parts = instruction.tupleElements, parts.count == 3, parts[0] == .atom("add_module") else { return instruction }
            // The purge method does not matter: the module is new.
            return .tuple([.atom("load_module"), parts[1], brutal, brutal, parts[2]])
        }
    }

    // MARK: DEPENDENCIES (translate_dependent_instrs/4, translate_dep_to_low/3)

    static let dependentKinds: Set<String> = ["update", "load_module", "add_module", "delete_module"]

    /// The module of `{load, {M, ...}}` and `{remove, {M, ...}}`.
    static func lowLevelModule(_ instruction: Term) -> String? {
        guard isKind(instruction, "load") || isKind(instruction, "remove") else { return nil }
        return instruction.tupleElements?[1].tupleElements?.first?.atomValue
    }

    static func dependentModule(_ instruction: Term) -> String? {
        guard let parts = instruction.tupleElements, parts.count > 1, let kind = parts[0].atomValue, dependentKinds.contains(kind) else { return nil }
        return parts[1].atomValue
    }

    static func translateDependentInstructions(mode: Mode, _ script: SplitScript, applications: [RelupApplication]) throws(PlanningError) -> SplitScript {
        // make_dependency_graph/1: a vertex per dependent instruction (position N), edges Mod -> each DepMod.
        var position = [String: Int](), instructionOf = [String: Term](), dependsOn = [String: [String]]()
        var counter = 0
        for instruction in script.after {
            guard let module = dependentModule(instruction), let parts = instruction.tupleElements else { continue }
            counter += 1
            guard position[module] == nil else { throw failure("module \(module) has more than one instruction") }
            position[module] = counter
            instructionOf[module] = instruction
            dependsOn[module] = parts.last?.listElements?.compactMap(\.atomValue) ?? []
        }
        for (_, dependencies) in dependsOn {
            for dependency in dependencies where position[dependency] == nil {
                throw failure("module \(dependency) is named as a dependency but has no instruction in the upgrade")
            }
        }
        var before = script.before, after = [Term]()
        var handled = Set<String>()
        let neighbours = neighbours(dependsOn)
        // Each module's application, the first that lists it (as systools' search finds it): one lookup per module
        // instead of a scan of every application's modules.
        var applicationOf = [String: RelupApplication]()
        applicationOf.reserveCapacity(applications.reduce(0) { $0 + $1.modules.count })
        for application in applications { for module in application.modules where applicationOf[module] == nil { applicationOf[module] = application } }
        for instruction in script.after {
            guard let module = dependentModule(instruction) else {
                after.append(instruction)
                continue
            }
            if handled.contains(module) { continue }
            let group = dependentGroup(of: module, dependsOn: dependsOn, neighbours: neighbours, position: position)
            handled.formUnion(group)
            let (objectCode, low) = try translateDependentToLow(mode: mode, group.compactMap { instructionOf[$0] }, applicationOf: applicationOf)
            before += objectCode
            after += low
        }
        return SplitScript(before: before, after: after)
    }

    /// The undirected graph of the dependencies (a module and each module it names, both ways), built once for all
    /// the groups of a script.
    static func neighbours(_ dependsOn: [String: [String]]) -> [String: Set<String>] {
        var neighbours = [String: Set<String>]()
        for (from, targets) in dependsOn {
            for target in targets {
                neighbours[from, default: []].insert(target)
                neighbours[target, default: []].insert(from)
            }
        }
        return neighbours
    }

    /// get_dependent_instructions/3: the weakly connected component of `module`, its strong components in
    /// topological order (dependents first), each ordered by input position. Where several orders are valid,
    /// systools' choice follows ETS hash order; ours takes the component with the earliest instruction.
    ///
    /// One pass of Kahn's algorithm over the strong components: a component becomes ready when every component that
    /// depends on it has been emitted. (A first version rescanned every pair of components for each one emitted,
    /// which grew with the cube of a cycle's size: seconds for ejabberd's cycles of 81 modules.)
    static func dependentGroup(of module: String, dependsOn: [String: [String]], neighbours: [String: Set<String>],
                               position: [String: Int]) -> [String] {
        var component = Set<String>([module]), queue = [module]
        while let next = queue.popLast() {
            for neighbour in neighbours[next] ?? [] where component.insert(neighbour).inserted { queue.append(neighbour) }
        }
        let members = component.sorted { position[$0]! < position[$1]! }
        let order = InstructionOrder(dependencies: Dictionary(uniqueKeysWithValues: members.map { ($0, Set(dependsOn[$0] ?? [])) }))
        let components = order.components(members)
        var componentOf = [String: Int]()
        for (index, members) in components.enumerated() { for member in members { componentOf[member] = index } }
        // Edges between components, each counted once: dependent -> the components it depends on.
        var dependencies = [Set<Int>](repeating: [], count: components.count)
        var dependents = [Int](repeating: 0, count: components.count)
        for (index, members) in components.enumerated() {
            for member in members {
                for target in dependsOn[member] ?? [] {
                    guard let other = componentOf[target], other != index, dependencies[index].insert(other).inserted else { continue }
                    dependents[other] += 1
                }
            }
        }
        let earliest = components.map { $0.map { position[$0]! }.min()! }
        var ready = components.indices.filter { dependents[$0] == 0 }
        var result = [String]()
        result.reserveCapacity(members.count)
        while !ready.isEmpty {
            let chosenAt = ready.indices.min { earliest[ready[$0]] < earliest[ready[$1]] }!
            let chosen = ready.remove(at: chosenAt)
            result += components[chosen].sorted { position[$0]! < position[$1]! }
            for dependency in dependencies[chosen] {
                dependents[dependency] -= 1
                if dependents[dependency] == 0 { ready.append(dependency) }
            }
        }
        return result
    }

    static func translateDependentToLow(mode: Mode, _ instructions: [Term], applicationOf: [String: RelupApplication]) throws(PlanningError) -> ([Term], [Term]) {
        var updateModules = [Term](), loadRemove = [[Term]]()
        for instruction in instructions {
            guard let parts = instruction.tupleElements, let kind = parts.first?.atomValue else { continue }
            switch kind {
            case "update":
                updateModules.append(parts[3] == .atom("default") ? parts[1] : .tuple([parts[1], parts[3]]))
                loadRemove.append([.tuple([.atom("load"), .tuple([parts[1], parts[5], parts[6]])])])
            case "load_module":
                loadRemove.append([.tuple([.atom("load"), .tuple([parts[1], parts[2], parts[3]])])])
            case "delete_module":
                loadRemove.append([.tuple([.atom("remove"), .tuple([parts[1], brutal, brutal])]), .tuple([.atom("purge"), .list([parts[1]])])])
            default:
                break
            }
        }
        let suspend: [Term] = updateModules.isEmpty ? [] : [.tuple([.atom("suspend"), .list(updateModules)])]
        let resume: [Term] = updateModules.isEmpty ? [] : [.tuple([.atom("resume"), .list(updateModules.reversed().map { $0.tupleElements?.first ?? $0 })])]
        let flat = loadRemove.flatMap { $0 }
        var objectCode = [Term]()
        for instruction in flat where isKind(instruction, "load") {
            guard let module = instruction.tupleElements?[1].tupleElements?.first?.atomValue else { continue }
            guard let application = applicationOf[module] else {
                throw failure("module \(module) is in no application of the release")
            }
            objectCode.append(.tuple([.atom("load_object_code"), .tuple([.atom(application.name), .text(application.version), .list([.atom(module)])])]))
        }
        func codeChange(_ direction: String, _ filter: (String) -> Bool) -> [Term] {
            let entries: [Term] = instructions.compactMap { instruction in
                guard let parts = instruction.tupleElements, parts.first == .atom("update"), let modType = parts[2].atomValue, filter(modType),
                      let change = parts[4].tupleElements, change.count == 2, change[0] == .atom("advanced") else { return nil }
                return .tuple([parts[1], change[1]])
            }
            return entries.isEmpty ? [] : [.tuple([.atom("code_change"), .atom(direction), .list(entries)])]
        }
        switch mode {
        case .up:
            // Modules are loaded in the reverse order of dependency (what is called first).
            return (objectCode, suspend + loadRemove.reversed().flatMap { $0 } + codeChange("up", { _ in true }) + resume)
        case .down:
            return (objectCode, suspend + codeChange("down", { $0 == "dynamic" }) + flat + codeChange("down", { $0 == "static" }) + resume)
        }
    }

    // MARK: MERGE LOAD_OBJECT_CODE (merge_load_object_code/1): one entry per application, order kept

    static func mergeLoadObjectCode(_ before: [Term]) throws(PlanningError) -> [Term] {
        var found = before.filter { isKind($0, "load_object_code") }
        let rest = before.filter { !isKind($0, "load_object_code") }
        // systools folds `union(A, B) = (A -- B) ++ B` over the lists from the last: each list keeps, in its order,
        // the modules no later list has. The same with a set of the later lists' modules, in linear time (the fold
        // compared every pair of a large application's modules).
        func foldedUnion(_ lists: [[Term]]) -> [Term] {
            var later = Set<Term>(), blocks = [[Term]]()
            for list in lists.reversed() {
                blocks.append(list.filter { !later.contains($0) })
                later.formUnion(list)
            }
            return Array(blocks.reversed().joined())
        }
        var merged = [Term]()
        while !found.isEmpty {
            let first = found.removeFirst()
            guard let triple = first.tupleElements?[1].tupleElements, triple.count == 3 else { continue }
            var same = [[Term]](), other = [Term]()
            for candidate in found {
                guard let candidateTriple = candidate.tupleElements?[1].tupleElements, candidateTriple.count == 3, candidateTriple[0] == triple[0] else {
                    other.append(candidate)
                    continue
                }
                guard candidateTriple[1] == triple[1] else {
                    throw failure("application \(TermWriter.render(triple[0])) is loaded at two versions, \(TermWriter.render(triple[1])) and \(TermWriter.render(candidateTriple[1]))")
                }
                same.append(candidateTriple[2].listElements ?? [])
            }
            merged.append(.tuple([.atom("load_object_code"), .tuple([triple[0], triple[1], .list(foldedUnion([triple[2].listElements ?? []] + same))])]))
            found = other
        }
        return merged + rest
    }

    // MARK: EMULATOR RESTARTS (sort_emulator_restart/3)

    static func sortEmulatorRestart(mode: Mode, _ script: SplitScript) -> SplitScript {
        var before = script.before, after = script.after
        let newEmulator = Term.atom("restart_new_emulator"), restart = Term.atom("restart_emulator")
        if after.contains(newEmulator) {
            after.removeAll { $0 == newEmulator }
            if mode == .up { before.insert(newEmulator, at: 0) } else { after.append(restart) }
        }
        if after.contains(restart) {
            after.removeAll { $0 == restart }
            after.append(restart)
        }
        return SplitScript(before: before, after: after)
    }
}
