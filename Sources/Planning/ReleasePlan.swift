import Beam
import SystemSupport
import ErlangTerm
import Foundation
import ReleaseModel

/// Everything `relswap generate` will write, decided before anything is written.
public struct ReleasePlan: Sendable {
    /// An application of the release and the directory it is copied from.
    public struct Application: Sendable {
        public var entry: ReleaseResource.Entry
        public var source: ApplicationCatalog.Candidate
    }

    public var request: ReleaseRequest
    public var installation: OTPInstallation
    public var release: ReleaseResource
    /// In `.rel` order.
    public var applications: [Application]
    /// Copied into `lib/` without being part of the release.
    public var extraApplications: [ApplicationCatalog.Candidate]
    /// `start.boot`'s term, as `systools:make_script/2` makes it.
    public var bootScript: Term
    /// The same for a release of kernel and stdlib only (`start_clean.boot`).
    public var cleanBootScript: Term
    public var warnings: [String]

    /// How the target OTP's `term_to_binary/1` encodes, for the boot files.
    public var encoding: ExternalTermFormat.EncodingOptions {
        installation.otpRelease >= 26 ? .otp26 : .otp25
    }
}

/// Turns a `ReleaseRequest` into a `ReleasePlan`: finds the applications, closes the list over their
/// dependencies, checks them as systools does (with messages that say which file and what to do), and
/// builds the boot scripts.
public enum ReleasePlanner {
    /// Applications every release gets: kernel and stdlib because OTP needs them, sasl because
    /// `release_handler`, which installs upgrades, is part of it.
    public static let mandatoryApplications = ["kernel", "stdlib", "sasl"]

    public static func plan(_ request: ReleaseRequest, installation: OTPInstallation) throws(PlanningError) -> ReleasePlan {
        var catalog = ApplicationCatalog()
        do {
            for (name, directory) in request.applicationDirectories.sorted(by: { $0.key < $1.key }) {
                try catalog.addApplicationDirectory(directory, name: name)
            }
        } catch {
            throw PlanningError(file: error.file, message: error.message, hint: error.hint)
        }
        for directory in request.libraryDirectories { catalog.addLibraryDirectory(directory) }
        catalog.addLibraryDirectory(installation.libDirectory)

        if let excluded = mandatoryApplications.first(where: request.excludedApplications.contains) {
            throw PlanningError(message: "the configuration excludes \(excluded), which every Relswap release needs",
                                hint: excluded == "sasl" ? "sasl runs release_handler, which installs hot upgrades; remove {incl_cond, exclude} for sasl"
                                    : "remove {incl_cond, exclude} for \(excluded)")
        }

        let requested = Dictionary(request.applications.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var order = [ApplicationCatalog.Candidate]()
        var placed = Set<String>()
        var warnings = request.warnings

        // Depth first, dependencies before dependents, so the .rel reads in start order.
        func visit(_ name: String, path: [String], optional: Bool) throws(PlanningError) {
            if placed.contains(name) { return }
            if let start = path.firstIndex(of: name) {
                let cycle = (path[start...] + [name]).joined(separator: " -> ")
                throw PlanningError(message: "applications depend on each other in a circle: \(cycle)",
                                    hint: "break the cycle in their .app files' applications or included_applications lists")
            }
            if request.excludedApplications.contains(name) {
                if optional { return }
                throw PlanningError(message: "application \(name) is excluded by the configuration but \(path.last ?? "the release") needs it")
            }
            let candidate: ApplicationCatalog.Candidate
            do {
                candidate = try catalog.resolve(name, version: requested[name]?.version, neededBy: path.last)
            } catch {
                if optional && catalog.candidates(for: name).isEmpty { return }
                if name == "sasl" && catalog.candidates(for: name).isEmpty {
                    throw PlanningError(message: "sasl was not found in \(catalog.searchedDirectories.joined(separator: ", ")); Relswap refuses a release without it, because sasl runs release_handler, which installs hot upgrades",
                                        hint: "use an OTP installation that has sasl (Debian's erlang-base does), or add its directory with --lib-dir")
                }
                throw PlanningError(file: error.file, message: error.message, hint: error.hint)
            }
            let resource = candidate.resource
            for dependency in resource.applications {
                try visit(dependency, path: path + [name], optional: resource.optionalApplications.contains(dependency))
            }
            for dependency in requested[name]?.includedApplications ?? resource.includedApplications {
                try visit(dependency, path: path + [name], optional: false)
            }
            placed.insert(name)
            order.append(candidate)
        }
        for name in mandatoryApplications + request.applications.map(\.name) {
            try visit(name, path: [], optional: false)
        }

        var applications = [ReleasePlan.Application]()
        for candidate in order {
            let wanted = requested[candidate.resource.name]
            let entry = ReleaseResource.Entry(name: candidate.resource.name, version: candidate.resource.version,
                                              type: wanted?.type ?? "permanent", includedApplications: wanted?.includedApplications)
            applications.append(ReleasePlan.Application(entry: entry, source: candidate))
            warnings += try checkBeams(candidate)
        }
        var extra = [ApplicationCatalog.Candidate]()
        for name in request.extraApplications where !placed.contains(name) {
            do {
                extra.append(try catalog.resolve(name))
            } catch {
                throw PlanningError(file: error.file, message: error.message, hint: error.hint)
            }
        }

        let release = ReleaseResource(name: request.name, version: request.version, ertsVersion: installation.ertsVersion,
                                      applications: applications.map(\.entry))
        let resources = Dictionary(applications.map { ($0.entry.name, $0.source.resource) }, uniquingKeysWith: { first, _ in first })
        let bootScript = try BootScriptBuilder(release: release, preloadedModules: installation.preloadedModules).script(resources: resources)
        let clean = ReleaseResource(name: request.name, version: request.version, ertsVersion: installation.ertsVersion,
                                    applications: applications.map(\.entry).filter { ["kernel", "stdlib"].contains($0.name) })
        let cleanBootScript = try BootScriptBuilder(release: clean, preloadedModules: installation.preloadedModules).script(resources: resources)
        return ReleasePlan(request: request, installation: installation, release: release, applications: applications,
                           extraApplications: extra, bootScript: bootScript, cleanBootScript: cleanBootScript, warnings: warnings)
    }

    /// A module the `.app` lists must have its beam (an error); a beam the `.app` does not list is a warning.
    static func checkBeams(_ candidate: ApplicationCatalog.Candidate) throws(PlanningError) -> [String] {
        let beams = Set(((try? FileManager.default.contentsOfDirectory(atPath: candidate.ebin)) ?? [])
            .filter { $0.hasSuffix(".beam") }.map { String($0.dropLast(5)) })
        let resource = candidate.resource
        let missing = resource.modules.filter { !beams.contains($0) }
        if !missing.isEmpty {
            throw PlanningError(file: resource.file,
                                message: "lists module\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")) but \(candidate.ebin) has no \(missing.map { "\($0).beam" }.joined(separator: ", "))",
                                hint: "compile \(missing.count > 1 ? "them" : "it"), or remove \(missing.count > 1 ? "them" : "it") from the modules list")
        }
        // A beam must hold the module its file is named for: the boot script loads it by that name.
        let named = parallelMap(resource.modules) { module -> String? in
            let path = "\(candidate.ebin)/\(module).beam"
            guard let inside = try? BeamFile(path: path).moduleName() else { return "\(path) is not a readable beam" }
            return inside == module ? nil : "\(path) holds module \(inside), not \(module)"
        }
        if let problem = named.compactMap({ $0 }).first {
            throw PlanningError(file: resource.file, message: problem, hint: "rebuild the application; a module's beam is <module>.beam")
        }
        let listed = Set(resource.modules)
        return beams.subtracting(listed).sorted().map {
            "\(resource.file): \(candidate.ebin)/\($0).beam is not in the modules list of \(resource.name), so the release will not load it"
        }
    }
}
