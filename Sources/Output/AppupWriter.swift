import Foundation
import SystemSupport
import Planning
import ReleaseModel
#if canImport(Glibc)
import Glibc
#endif

/// Writes the appups a plan generated (not the hand-written ones it keeps), each to a temporary file
/// beside its destination that is then renamed, so no appup is ever half-written.
public enum AppupWriter {
    /// - Returns: the files written, in the plan's order.
    ///   Each is rendered and written on its own core; the first failure, in the plan's order, is thrown.
    public static func write(_ plan: AppupPlan) throws(OutputError) -> [String] {
        let outcomes = parallelMap(plan.upgraded) { application -> Result<String?, OutputError> in
            if case .kept = application.source { return .success(nil) }
            var comment = ["Appup of \(application.name) \(application.toVersion), written by relswap generate-appups",
                           "for release \(plan.releaseName) \(plan.fromVersion) -> \(plan.toVersion)."]
            if case .handWritten(let file) = application.source { comment.append("Copied from \(file), checked.") }
            return Result { () throws(OutputError) in
                try atomicWrite(application.appup.fileContents(comment: comment), to: application.path)
                return application.path
            }
        }
        var written = [String]()
        for outcome in outcomes {
            if let path = try outcome.get() { written.append(path) }
        }
        return written
    }

    static func atomicWrite(_ text: String, to path: String) throws(OutputError) {
        let temporary = "\(path).relswap-\(getpid())"
        TemporaryFiles.register(temporary)
        defer { TemporaryFiles.unregister(temporary) }
        do throws(OutputError) {
            try FileTree.write(text, to: temporary)
            try FileTree.rename(temporary, path)
        } catch {
            FileTree.remove(temporary)
            throw error
        }
    }
}
