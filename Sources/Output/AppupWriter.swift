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
    public static func write(_ plan: AppupPlan) throws(OutputError) -> [String] {
        var written = [String]()
        for application in plan.upgraded {
            if case .kept = application.source { continue }
            var comment = ["Appup of \(application.name) \(application.toVersion), written by relswap generate-appups",
                           "for release \(plan.releaseName) \(plan.fromVersion) -> \(plan.toVersion)."]
            if case .handWritten(let file) = application.source { comment.append("Copied from \(file), checked.") }
            try atomicWrite(application.appup.fileContents(comment: comment), to: application.path)
            written.append(application.path)
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
