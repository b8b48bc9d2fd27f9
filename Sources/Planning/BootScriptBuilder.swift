import ErlangTerm
import ReleaseModel

/// Builds a release's boot script exactly as `systools:make_script/2` does (OTP 25 `systools_make`).
///
/// The input is a `.rel` and the `.app` of each of its applications; the output is the `{script, ...}`
/// term, which the output layer encodes into `start.boot` and writes as `<name>.script`. The passes
/// run in `get_release1/3`'s order, each named after the systools function it mirrors.
public struct BootScriptBuilder: Sendable {
    /// One application as systools tracks it (`#application{}`), after the `.rel` has set its type
    /// and included applications.
    struct Application: Sendable {
        var resource: ApplicationResource
        var type: String
        /// `uses` in systools: the `applications` list, rewritten by `addTopApplicationsToUses` and reordered.
        var uses: [String]
        var includes: [String]
        var name: String { resource.name }
    }

    public var release: ReleaseResource
    /// Modules the emulator preloads (`systools_make:preloaded/0`).
    public var preloadedModules: [String]

    /// `systools_make:mandatory_modules/0` (the same list from OTP 25 to 28).
    public static let mandatoryModules = [
        "error_handler", "application", "application_controller", "application_master", "code", "code_server",
        "erl_eval", "erl_lint", "erl_parse", "error_logger", "ets", "file", "filename", "file_server",
        "file_io_server", "gen", "gen_event", "gen_server", "heart", "kernel", "logger", "logger_filters",
        "logger_server", "logger_backend", "logger_config", "logger_simple_h", "lists", "proc_lib", "supervisor",
    ]

    public init(release: ReleaseResource, preloadedModules: [String]) {
        self.release = release
        self.preloadedModules = preloadedModules
    }

    /// The boot script for `release`, whose applications' resources are `resources` (by name).
    /// - Throws: `PlanningError` for everything `systools_make:get_release/2` would refuse.
    public func script(resources: [String: ApplicationResource]) throws(PlanningError) -> Term {
        try checkMandatoryApplications()
        var applications = try collectApplications(resources)
        try checkApplications(applications)
        // get_release/3 checks modules for make_relup as for make_script (check_modules/3).
        try checkModules(applications)
        applications = addTopApplicationsToUses(applications)
        applications = sortUsedAndIncludedApplications(applications)
        try checkModules(applications)
        applications = try sortApplications(applications)
        return generateScript(applications)
    }

    /// The start order systools derives (`sort_appls/1`), which relups also follow.
    public func startOrder(resources: [String: ApplicationResource]) throws(PlanningError) -> [String] {
        try checkMandatoryApplications()
        var applications = try collectApplications(resources)
        try checkApplications(applications)
        // get_release/3 checks modules for make_relup as for make_script (check_modules/3).
        try checkModules(applications)
        applications = addTopApplicationsToUses(applications)
        applications = sortUsedAndIncludedApplications(applications)
        return try sortApplications(applications).map(\.name)
    }

    // MARK: - READ RELEASE (check_rel1/1, mandatory_applications/4)

    func checkMandatoryApplications() throws(PlanningError) {
        for name in ["kernel", "stdlib"] {
            guard let entry = release.applications.first(where: { $0.name == name }) else {
                throw PlanningError(message: "release \(release.name) \(release.version) has no \(name)", hint: "every release needs kernel and stdlib")
            }
            guard entry.type == "permanent" else {
                throw PlanningError(message: "\(name) must be a permanent application, not \(entry.type)")
            }
        }
    }

    // MARK: - COLLECT APPLICATIONS (collect_applications/2, override_include/3)

    func collectApplications(_ resources: [String: ApplicationResource]) throws(PlanningError) -> [Application] {
        var applications = [Application]()
        for entry in release.applications {
            guard let resource = resources[entry.name] else {
                throw PlanningError(message: "no .app file for \(entry.name) \(entry.version)")
            }
            guard resource.name == entry.name, resource.version == entry.version else {
                throw PlanningError(file: resource.file,
                                    message: "says \(resource.name) \(resource.version), but the release wants \(entry.name) \(entry.version)")
            }
            var includes = resource.includedApplications
            if let override = entry.includedApplications {
                let unspecified = override.filter { !resource.includedApplications.contains($0) }
                guard unspecified.isEmpty else {
                    throw PlanningError(file: resource.file,
                                        message: "the release includes \(unspecified.joined(separator: ", ")) in \(entry.name), but its .app does not list them in included_applications")
                }
                includes = override
            }
            applications.append(Application(resource: resource, type: entry.type, uses: resource.applications, includes: includes))
        }
        return applications
    }

    // MARK: - CHECK APPLICATIONS (undef_appls/1, dupl_regs/1, dupl_incls/1)

    func checkApplications(_ applications: [Application]) throws(PlanningError) {
        let defined = Set(applications.map(\.name))
        var undefined = [String]()
        for application in applications {
            for used in application.uses where !application.resource.optionalApplications.contains(used) && !defined.contains(used) {
                if !undefined.contains(used) { undefined.append(used) }
            }
            for included in application.includes where !defined.contains(included) && !undefined.contains(included) {
                undefined.append(included)
            }
        }
        if !undefined.isEmpty {
            throw PlanningError(message: "the release uses applications it does not contain: \(undefined.joined(separator: ", "))",
                                hint: "add them to the release")
        }
        var registeredBy = [String: String]()
        for application in applications {
            for name in application.resource.registered {
                if let other = registeredBy[name], other != application.name {
                    throw PlanningError(message: "applications \(other) and \(application.name) both register the name \(name)",
                                        hint: "a registered name may belong to one application only")
                }
                registeredBy[name] = application.name
            }
        }
        var includedBy = [String: String]()
        for application in applications {
            for included in application.includes {
                if let other = includedBy[included] {
                    throw PlanningError(message: "application \(included) is included by both \(other) and \(application.name)")
                }
                includedBy[included] = application.name
            }
        }
    }

    // MARK: - TOP APPLICATIONS (add_top_apps_to_uses/3)

    /// If X uses A and A is included in T, X must use T instead (T starts A). Order is preserved.
    func addTopApplicationsToUses(_ applications: [Application]) -> [Application] {
        // [(included, includer)] in the order systools builds it.
        let includedApplications = applications.flatMap { application in application.includes.map { ($0, application.name) } }
        func includer(of name: String) -> String? { includedApplications.first { $0.0 == name }?.1 }
        func topApplication(_ name: String) -> String {
            var current = name
            var seen: Set<String> = [name]
            while let parent = includer(of: current), seen.insert(parent).inserted { current = parent }
            return current
        }
        func removingFirst(_ name: String, from list: [String]) -> [String] {
            var copy = list
            if let index = copy.firstIndex(of: name) { copy.remove(at: index) }
            return copy
        }
        return applications.map { application in
            let myTop = topApplication(application.name)
            var uses = application.uses
            for used in application.uses {
                if used == myTop {
                    uses = removingFirst(myTop, from: uses)
                } else if let dependApplication = includer(of: used) {
                    let usedTop = topApplication(dependApplication)
                    if uses.contains(usedTop) {
                        uses = removingFirst(used, from: uses)
                    } else if myTop != usedTop {
                        uses = removingFirst(used, from: uses) + [usedTop]
                    }
                }
            }
            var copy = application
            copy.uses = uses
            return copy
        }
    }

    // MARK: - ORDER AS IN THE .REL (sort_used_and_incl_appls/2, OTP-4121)

    func sortUsedAndIncludedApplications(_ applications: [Application]) -> [Application] {
        let position = Dictionary(release.applications.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        // lists:keysort by position; names not in the release sort last, each keeping its place.
        func sorted(_ names: [String]) -> [String] {
            guard names.count > 1 else { return names }
            return names.enumerated().sorted { lhs, rhs in
                let left = position[lhs.element] ?? Int.max, right = position[rhs.element] ?? Int.max
                return left != right ? left < right : lhs.offset < rhs.offset
            }.map(\.element)
        }
        return applications.map { application in
            var copy = application
            copy.includes = sorted(application.includes)
            copy.uses = sorted(application.uses)
            return copy
        }
    }

    // MARK: - MODULES (check_modules/3: duplicates)

    func checkModules(_ applications: [Application]) throws(PlanningError) {
        var owner = [String: String]()
        for application in applications {
            for module in application.resource.modules {
                if let other = owner[module], other != application.name {
                    throw PlanningError(message: "module \(module) is in both \(other) and \(application.name)",
                                        hint: "a module name must be unique in a release; rename one of them or leave one application out",
                                        reason: "duplicate_modules")
                }
                owner[module] = application.name
            }
        }
    }

    // MARK: - START ORDER (sort_appls/1, find_all/6, del_apps/2)

    /// Topological order over uses and includes, ties kept in `.rel` order: Ulf Wiger's algorithm as
    /// systools has it, written as a loop.
    func sortApplications(_ applications: [Application]) throws(PlanningError) -> [Application] {
        var work = applications
        var result = [Application]()
        var missing = [String]()
        var circular = [String]()
        var visited = [String]()

        func findAll(_ checking: String, _ names: [String], _ list: [Application]) -> (found: [Application], rest: [Application], notFound: [String]) {
            var found = [Application](), rest = list, notFound = [String]()
            for name in names {
                if let index = rest.firstIndex(where: { $0.name == name }) {
                    // It is fine for X to include Y while Y uses X.
                    if rest[index].includes.contains(checking) {
                        if !visited.contains(name) { notFound.insert(name, at: 0) }
                    } else {
                        found.insert(rest.remove(at: index), at: 0)
                    }
                } else if !visited.contains(name) {
                    notFound.insert(name, at: 0)
                }
            }
            return (found, rest, notFound)
        }

        while !work.isEmpty {
            let application = work.removeFirst()
            let (uses, afterUses, notFoundUses) = findAll(application.name, application.uses.reversed(), work)
            let (includes, afterIncludes, notFoundIncludes) = findAll(application.name, application.includes.reversed(), afterUses)
            missing = notFoundUses.filter { !application.resource.optionalApplications.contains($0) } + notFoundIncludes + missing
            let first = uses + includes
            if first.isEmpty {
                // Nothing was found, so find_all took nothing out of `work`.
                result.append(application)
                visited.insert(application.name, at: 0)
                continue
            }
            let newCircular = first.map(\.name).filter { visited.contains($0) }
            if !newCircular.isEmpty { circular = [application.name] + newCircular + circular }
            var next = first + [application] + afterIncludes
            for name in newCircular {
                if let index = next.firstIndex(where: { $0.name == name }) { next.remove(at: index) }
            }
            work = next
            visited.insert(application.name, at: 0)
        }
        func set(_ names: [String]) -> [String] {
            var seen = Set<String>()
            return names.filter { seen.insert($0).inserted }
        }
        if !circular.isEmpty {
            throw PlanningError(message: "applications depend on each other in a circle: \(set(circular).joined(separator: ", "))",
                                hint: "break the cycle in their applications or included_applications lists")
        }
        if !missing.isEmpty {
            throw PlanningError(message: "the release uses applications it does not contain: \(set(missing).joined(separator: ", "))",
                                hint: "add them to the release")
        }
        return result
    }

    // MARK: - SCRIPT (generate_script/4)

    static func path(_ application: Application) -> String {
        "$ROOT/lib/\(application.name)-\(application.resource.version)/ebin"
    }

    func packed(_ application: Application) -> Term {
        application.resource.packed(uses: application.uses, includes: application.includes)
    }

    func generateScript(_ applications: [Application]) -> Term {
        func set(_ paths: [String]) -> [Term] {
            var seen = Set<String>()
            return paths.filter { !$0.isEmpty && seen.insert($0).inserted }.map(Term.text)
        }
        func atoms(_ names: [String]) -> Term { .list(names.map(Term.atom)) }
        func tuple(_ elements: Term...) -> Term { .tuple(elements) }

        let mandatory = BootScriptBuilder.mandatoryModules
        let skipped = Set(mandatory + preloadedModules)
        var commands: [Term] = [
            tuple(.atom("preLoaded"), atoms(preloadedModules)),
            tuple(.atom("progress"), .atom("preloaded")),
            tuple(.atom("path"), .list(set(applications.map { ["kernel", "stdlib"].contains($0.name) ? Self.path($0) : "" }))),
            tuple(.atom("primLoad"), atoms(mandatory)),
            tuple(.atom("kernel_load_completed")),
            tuple(.atom("progress"), .atom("kernel_load_completed")),
        ]
        for application in applications {
            let modules = application.resource.modules.filter { !skipped.contains($0) }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            commands.append(tuple(.atom("path"), .list([.text(Self.path(application))])))
            commands.append(tuple(.atom("primLoad"), atoms(modules)))
        }
        commands.append(tuple(.atom("progress"), .atom("modules_loaded")))
        commands.append(tuple(.atom("path"), .list(set(applications.map(Self.path)))))

        // kernel_processes/0 and create_kernel_procs/1.
        let kernel = applications.first { $0.name == "kernel" }
        commands += [
            tuple(.atom("kernelProcess"), .atom("heart"), tuple(.atom("heart"), .atom("start"), .list([]))),
            tuple(.atom("kernelProcess"), .atom("logger"), tuple(.atom("logger_server"), .atom("start_link"), .list([]))),
            tuple(.atom("kernelProcess"), .atom("application_controller"),
                  tuple(.atom("application_controller"), .atom("start"), .list(kernel.map { [packed($0)] } ?? []))),
            tuple(.atom("progress"), .atom("init_kernel_started")),
        ]
        // create_load_appls/1: every application but kernel and those of type none.
        for application in applications where application.name != "kernel" && application.type != "none" {
            commands.append(tuple(.atom("apply"), tuple(.atom("application"), .atom("load"), .list([packed(application)]))))
        }
        commands.append(tuple(.atom("progress"), .atom("applications_loaded")))
        // create_start_appls/2: not included applications, not of type none or load.
        let included = Set(applications.flatMap(\.includes))
        for application in applications where !included.contains(application.name) && application.type != "none" && application.type != "load" {
            commands.append(tuple(.atom("apply"), tuple(.atom("application"), .atom("start_boot"),
                                                        .list([.atom(application.name), .atom(application.type)]))))
        }
        // script_end(false): load $HOME/.erlang as systools does by default.
        commands.append(tuple(.atom("apply"), tuple(.atom("c"), .atom("erlangrc"), .list([]))))
        commands.append(tuple(.atom("progress"), .atom("started")))
        return .tuple([.atom("script"), .tuple([.text(release.name), .text(release.version)]), .list(commands)])
    }
}
