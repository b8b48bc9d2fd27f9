import Foundation
import ReleaseModel

extension RelupRelease {
    /// Reads a release's applications (`.app`, and `.appup` where there is one) and puts them in boot order.
    /// - Parameter directory: where application `name` at `version` is, e.g. `lib/<name>-<version>` of a release root.
    public static func load(_ release: ReleaseResource, directory: (String, String) -> String?) throws(PlanningError) -> RelupRelease {
        guard release.applications.contains(where: { $0.name == "sasl" }) else {
            throw RelupBuilder.missingSasl(release)
        }
        var resources = [String: ApplicationResource]()
        var appups = [String: (file: String, appup: Appup)]()
        for entry in release.applications {
            guard let path = directory(entry.name, entry.version) else {
                throw PlanningError(message: "application \(entry.name) \(entry.version) of release \(release.name) \(release.version) was not found",
                                    hint: "the release's lib directory must hold \(entry.name)-\(entry.version)")
            }
            do {
                resources[entry.name] = try ApplicationResource(path: "\(path)/ebin/\(entry.name).app")
                let appupFile = "\(path)/ebin/\(entry.name).appup"
                if FileManager.default.fileExists(atPath: appupFile) { appups[entry.name] = (appupFile, try Appup(path: appupFile)) }
            } catch {
                throw PlanningError(file: error.file, message: error.message, hint: error.hint)
            }
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
        let release: ReleaseResource
        do {
            release = try roots[0].release(version: version)
        } catch {
            throw PlanningError(file: error.file, message: error.message, hint: error.hint)
        }
        return try load(release) { name, version in
            roots.map { $0.applicationDirectory(name, version: version) }.first { FileManager.default.fileExists(atPath: $0) }
        }
    }
}
