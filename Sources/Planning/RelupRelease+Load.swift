import Foundation
import ReleaseModel
import SystemSupport

extension RelupRelease {
    /// Reads a release's applications (`.app`, and `.appup` where there is one) and puts them in boot order.
    /// - Parameter directory: where application `name` at `version` is, e.g. `lib/<name>-<version>` of a release root.
    public static func load(_ release: ReleaseResource, directory: (String, String) -> String?) throws(PlanningError) -> RelupRelease {
        guard release.applications.contains(where: { $0.name == "sasl" }) else {
            throw RelupBuilder.missingSasl(release)
        }
        var paths = [String]()
        for entry in release.applications {
            guard let path = directory(entry.name, entry.version) else {
                throw PlanningError(message: "application \(entry.name) \(entry.version) of release \(release.name) \(release.version) was not found",
                                    hint: "the release's lib directory must hold \(entry.name)-\(entry.version)")
            }
            paths.append(path)
        }
        // The applications' files are read and parsed on every core; the first failure, in release order, is thrown.
        let read = parallelMap(Array(zip(release.applications.map(\.name), paths))) { name, path -> Result<(ApplicationResource, (file: String, appup: Appup)?), PlanningError> in
            do throws(ReleaseModelError) {
                let resource = try ApplicationResource(path: "\(path)/ebin/\(name).app")
                let appupFile = "\(path)/ebin/\(name).appup"
                let appup = FileManager.default.fileExists(atPath: appupFile) ? (appupFile, try Appup(path: appupFile)) : nil
                return .success((resource, appup))
            } catch {
                return .failure(PlanningError(file: error.file, message: error.message, hint: error.hint))
            }
        }
        var resources = [String: ApplicationResource]()
        var appups = [String: (file: String, appup: Appup)]()
        for (entry, result) in zip(release.applications, read) {
            let (resource, appup) = try result.get()
            resources[entry.name] = resource
            if let appup { appups[entry.name] = appup }
        }
        let order = try BootScriptBuilder(release: release, preloadedModules: []).startOrder(resources: resources)
        let types = Dictionary(release.applications.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        let applications = order.compactMap { name -> RelupApplication? in
            guard let resource = resources[name] else { return nil }
            return RelupApplication(name: name, version: resource.version, type: types[name] ?? "permanent",
                                    modules: resource.modules, appup: appups[name])
        }
        return RelupRelease(release: release, applications: applications)
    }

    /// A release of a release root (`lib/<app>-<vsn>`), or of the first of several roots that has each application.
    public static func load(version: String, of roots: [ReleaseRoot]) throws(PlanningError) -> RelupRelease {
        try load(try resource(version: version, of: roots[0]), of: roots)
    }

    /// The `.rel` of `version` in `root`.
    public static func resource(version: String, of root: ReleaseRoot) throws(PlanningError) -> ReleaseResource {
        do {
            return try root.release(version: version)
        } catch {
            throw PlanningError(file: error.file, message: error.message, hint: error.hint)
        }
    }

    /// `release`'s applications, each from the first of `roots` that has it.
    public static func load(_ release: ReleaseResource, of roots: [ReleaseRoot]) throws(PlanningError) -> RelupRelease {
        try load(release) { name, version in
            roots.map { $0.applicationDirectory(name, version: version) }.first { FileManager.default.fileExists(atPath: $0) }
        }
    }
}
