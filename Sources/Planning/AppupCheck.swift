import ErlangTerm
import Foundation
import ReleaseModel

/// A reason `generate-appups --check` refuses a release pair, with a stable code for scripts.
public struct AppupProblem: Sendable, Equatable, CustomStringConvertible {
    /// `no_appup`, `malformed_appup`, `no_entry`, `malformed_instruction`, `unknown_module`, `not_covered`, `relup`.
    public var code: String
    public var application: String?
    public var module: String?
    /// `up` or `down` where the problem is in one direction.
    public var direction: String?
    public var file: String?
    public var message: String

    public var description: String { (file.map { "\($0): " } ?? "") + message }

    public init(code: String, application: String? = nil, module: String? = nil, direction: String? = nil, file: String? = nil, message: String) {
        self.code = code
        self.application = application
        self.module = module
        self.direction = direction
        self.file = file
        self.message = message
    }
}

/// `generate-appups --check`, the CI gate: the appups that `generate-upgrade` would use (those on disk in the new
/// release) must exist, parse, cover every changed, added and deleted module in both directions, name only modules
/// the application has, and be instructions systools accepts; then the relup is built in memory, so that whatever
/// `generate-upgrade` would refuse, the check refuses first.
public enum AppupCheck {
    public static func problems(plan: AppupPlan, old: AppupPlanner.Side, new: AppupPlanner.Side) -> [AppupProblem] {
        var problems = [AppupProblem]()
        for application in plan.upgraded {
            let file = "\(new.root.applicationDirectory(application.name, version: application.toVersion))/ebin/\(application.name).appup"
            guard FileManager.default.fileExists(atPath: file) else {
                problems.append(AppupProblem(code: "no_appup", application: application.name, file: file,
                                             message: "application \(application.name) changed from \(application.fromVersion) to \(application.toVersion) but has no appup; run relswap generate-appups, or write it"))
                continue
            }
            let appup: Appup
            do {
                appup = try Appup(path: file)
            } catch {
                problems.append(AppupProblem(code: "malformed_appup", application: application.name, file: file, message: "malformed appup: \(error.message)"))
                continue
            }
            let oldModules = (try? AppupPlanner.applicationResource(old.root.applicationDirectory(application.name, version: application.fromVersion), application.name).modules) ?? []
            let newModules = (try? AppupPlanner.applicationResource(new.root.applicationDirectory(application.name, version: application.toVersion), application.name).modules) ?? []
            for (direction, entries) in [("up", appup.up), ("down", appup.down)] {
                let what = direction == "up" ? "upgrade from" : "downgrade to"
                guard let entry = entries.first(where: { $0.matches(application.fromVersion) }) else {
                    let has = entries.map { TermWriter.render($0.version) }.joined(separator: ", ")
                    problems.append(AppupProblem(code: "no_entry", application: application.name, direction: direction, file: file,
                                                 message: "the \(direction == "up" ? "upgrade" : "downgrade") list has no entry for \(application.fromVersion) (it has \(has.isEmpty ? "none" : has)); systools matches a string exactly, or a regular expression binary against the whole version"))
                    continue
                }
                var malformed = false
                for instruction in RelupBuilder.expandScript(entry.instructions) {
                    if let problem = RelupBuilder.checkInstruction(instruction) {
                        malformed = true
                        problems.append(AppupProblem(code: "malformed_instruction", application: application.name, direction: direction, file: file,
                                                     message: "\(what) \(application.fromVersion): \(problem)"))
                        continue
                    }
                    if let missing = RelupBuilder.missingModule(instruction, up: direction == "up", newModules: newModules, newVersion: application.toVersion,
                                                                oldModules: oldModules, oldVersion: application.fromVersion) {
                        problems.append(AppupProblem(code: "unknown_module", application: application.name, module: missing.module, direction: direction, file: file,
                                                     message: "\(what) \(application.fromVersion): \(TermWriter.render(instruction)) names module \(missing.module), which \(application.name) \(missing.version) does not have"))
                    }
                }
                if malformed { continue }
                guard let covered = AppupPlanner.coveredModules(entry.instructions, application: application.name) else { continue }
                for change in application.changes where !covered.contains(change.module) {
                    let gap = AppupCoverageGap(application: application.name, module: change.module, kind: change.kind, direction: direction,
                                               fromVersion: application.fromVersion, appupFile: file)
                    problems.append(AppupProblem(code: "not_covered", application: application.name, module: change.module, direction: direction,
                                                 file: nil, message: gap.description))
                }
            }
        }
        guard problems.isEmpty else { return problems }
        // The whole relup, as generate-upgrade makes it (systools' cross-application checks).
        do {
            let top = try RelupRelease.load(version: new.release.version, of: [new.root])
            let base = try RelupRelease.load(version: old.release.version, of: [old.root, new.root])
            _ = try RelupBuilder.relup(top: top, upFrom: [base], downTo: [base])
        } catch {
            problems.append(AppupProblem(code: "relup", file: error.file, message: "generate-upgrade would refuse: \(error.message)" + (error.hint.map { " (\($0))" } ?? "")))
        }
        return problems
    }
}
