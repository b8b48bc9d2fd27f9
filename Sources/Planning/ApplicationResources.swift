import Foundation
import ReleaseModel
import SystemSupport

/// The `.app` files one plan reads, each parsed once: fetched ahead on every core, and kept with their errors, which
/// are thrown only when a step asks for that file (a file no step needs never fails the plan).
final class ApplicationResources: @unchecked Sendable {
    private var parsed = [String: Result<ApplicationResource, PlanningError>]()
    private let lock = NSLock()

    /// Parses the `.app` of each (directory, name) not parsed yet, in parallel.
    func prefetch(_ applications: [(directory: String, name: String)]) {
        let missing = lock.withLock { applications.filter { parsed[Self.key($0.directory, $0.name)] == nil } }
        let results = parallelMap(missing) { directory, name in
            Result { () throws(PlanningError) in try AppupPlanner.applicationResource(directory, name) }
        }
        lock.withLock {
            for (application, result) in zip(missing, results) { parsed[Self.key(application.directory, application.name)] = result }
        }
    }

    /// The application `name` in `directory` (`<directory>/ebin/<name>.app`), parsed now if it was not fetched.
    func resource(_ directory: String, _ name: String) throws(PlanningError) -> ApplicationResource {
        if let known = lock.withLock({ parsed[Self.key(directory, name)] }) { return try known.get() }
        let result = Result { () throws(PlanningError) in try AppupPlanner.applicationResource(directory, name) }
        lock.withLock { parsed[Self.key(directory, name)] = result }
        return try result.get()
    }

    private static func key(_ directory: String, _ name: String) -> String { "\(directory)\u{0}\(name)" }
}
