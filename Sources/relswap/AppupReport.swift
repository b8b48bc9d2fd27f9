import ErlangTerm
import Foundation
import Planning
import ReleaseModel

/// `relswap generate-appups --json`: the plan as typed JSON (booleans are booleans, absent values null), encoded
/// by Foundation's JSONEncoder with sorted keys so that the same plan always gives the same bytes.
/// The schema is documented in docs/generate-appups.md.
struct AppupReport: Encodable {
    struct Change: Encodable {
        var module: String
        var kind: String
        var instruction: String
        var reason: String
    }
    struct Instructions: Encodable {
        var up: [String]
        var down: [String]
    }
    struct Children: Encodable {
        var supervisor: String
        var reference: String
        var added: [String]
        var removed: [String]
    }
    struct Application: Encodable {
        var name: String
        var from: String
        var to: String
        /// `generated`, `overridden`, `kept` or `appup_src`.
        var source: String
        /// The override, kept appup or `.appup.src` file, when there is one.
        @Nullable var sourceFile: String?
        var appup: String
        var written: Bool
        /// Relswap's decision per module (what it generated; with a kept appup, not what runs).
        var changes: [Change]
        /// The instructions for the old version that the appup in use holds: what release_handler will run.
        var instructions: Instructions
        var children: [Children]
        var protocols: [String]
        var noiseOnly: [String]
        var cycles: [[String]]
    }
    struct NameVersion: Encodable {
        var name: String
        var version: String
    }
    struct Warning: Encodable {
        var code: String
        @Nullable var application: String?
        @Nullable var module: String?
        var message: String
    }
    struct Problem: Encodable {
        var code: String
        @Nullable var application: String?
        @Nullable var module: String?
        @Nullable var direction: String?
        @Nullable var file: String?
        var message: String
    }

    var release: String
    var from: String
    var to: String
    var dryRun: Bool
    var check: Bool
    var applications: [Application]
    var added: [NameVersion]
    var removed: [NameVersion]
    var warnings: [Warning]
    struct Risk: Encodable {
        var code: String
        /// `error`, `warning` or `info`.
        var level: String
        var application: String
        @Nullable var module: String?
        var seen: String
        var fix: String
        var accepted: Bool
    }
    var risks: [Risk]
    /// With --check: every reason it refuses (empty when it passes); null otherwise.
    @Nullable var problems: [Problem]?

    init(plan: AppupPlan, written: [String], problems: [AppupProblem]?, dryRun: Bool) {
        release = plan.releaseName
        from = plan.fromVersion
        to = plan.toVersion
        self.dryRun = dryRun
        check = problems != nil
        applications = plan.upgraded.map { application in
            let (source, file) = Self.source(application.source)
            let used = { (entries: [Appup.Entry]) in entries.first { $0.matches(application.fromVersion) }?.instructions.map(TermWriter.render) ?? [] }
            return Application(
                name: application.name, from: application.fromVersion, to: application.toVersion, source: source, sourceFile: file,
                appup: application.path, written: written.contains(application.path),
                changes: application.changes.map { Change(module: $0.module, kind: $0.kind, instruction: TermWriter.render($0.instruction), reason: $0.reason) },
                instructions: Instructions(up: used(application.appup.up), down: used(application.appup.down)),
                children: application.children.map { Children(supervisor: $0.supervisor, reference: TermWriter.render($0.reference),
                                                              added: $0.added.map(TermWriter.render), removed: $0.removed.map(TermWriter.render)) },
                protocols: application.protocols, noiseOnly: application.noiseOnly, cycles: application.cycles)
        }
        added = plan.added.map { NameVersion(name: $0.name, version: $0.version) }
        removed = plan.removed.map { NameVersion(name: $0.name, version: $0.version) }
        risks = plan.risks.map { Risk(code: $0.code, level: $0.level.rawValue, application: $0.application, module: $0.module,
                                      seen: $0.seen, fix: $0.fix, accepted: $0.accepted) }
        warnings = plan.warnings.map { Warning(code: $0.code, application: $0.application, module: $0.module, message: $0.message) }
        self.problems = problems?.map { Problem(code: $0.code, application: $0.application, module: $0.module, direction: $0.direction, file: $0.file, message: $0.message) }
    }

    static func source(_ source: AppupPlan.AppupSource) -> (String, String?) {
        switch source {
        case .generated: return ("generated", nil)
        case .overridden(let file): return ("overridden", file)
        case .kept(let file): return ("kept", file)
        case .handWritten(let file): return ("appup_src", file)
        }
    }

    func text() -> String { JSONOutput.text(self) }
}
