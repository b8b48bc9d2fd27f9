import ArgumentParser
import ErlangTerm
import Foundation
import Output
import Planning
import ReleaseModel

struct GenerateAppups: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-appups",
        abstract: "Diff two built releases and write an .appup for every upgraded application.",
        discussion: """
        A module changed if its beam_lib:md5 differs (its code, not its bytes: debug info, line numbers and \
        compile options do not count). Each changed module gets its instruction from its new beam: \
        {update, M, supervisor} for a supervisor, {update, M, {advanced, []}, Deps} for a module exporting \
        code_change/3, code_change/4 or system_code_change/4, else {load_module, M, Deps}; added and deleted \
        modules get add_module and delete_module. Deps are the changed modules it calls. The downgrade is the \
        upgrade undone. Appups go to lib/<app>-<vsn>/ebin/<app>.appup of the new release (or --out).

        The two versions are two release roots (--previous, --current), or two versions in one root \
        (--from-version, --to-version; by default the permanent version and the newest other one).

        Exit status: 0 done; 1 the releases cannot be compared (not a release, a missing .rel, the same \
        version, different names, a corrupt beam, an application changed without a new version); 2 an appup \
        could not be written; 3 --check found a module no appup covers; 64 usage error.

        Examples:
          cd rel && relswap generate-appups previous_release=snowflake_1     # rebar2's spelling
          relswap generate-appups --previous /srv/old/snowflake --current rel/snowflake
          relswap generate-appups --current _build/prod/rel/counter --from-version 1 --to-version 2 --check
        """)

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("The previous release's root (rebar2: previous_release=PATH, relative to the current release's parent).", valueName: "path"))
    var previous: String?

    @Option(help: ArgumentHelp("The new release's root (default: the target of reltool.config or rebar.config here).", valueName: "path"))
    var current: String?

    @Option(help: ArgumentHelp("reltool.config or rebar.config that says where the current release is.", valueName: "file"))
    var config: String?

    @Option(help: "The old version (default: the previous root's permanent version).")
    var fromVersion: String?

    @Option(help: "The new version (default: the current root's permanent version, or its newest other one).")
    var toVersion: String?

    @Option(help: ArgumentHelp("Write the appups into this directory instead of the new release.", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("Directory of override files <app>.appup (default: ./appups if it exists).", valueName: "dir"))
    var overrides: String?

    @Flag(help: "Regenerate appups the new release already has for the old version.")
    var force = false

    @Flag(help: "Write nothing; exit 3 if a changed, added or deleted module is not covered by the appup in use.")
    var check = false

    @Flag(help: "Print the plan and write nothing.")
    var dryRun = false

    @Argument(help: ArgumentHelp("rebar2-style setting: previous_release=PATH.", valueName: "setting"))
    var settings: [String] = []

    func validate() throws {
        try CommandSupport.validate(settings: settings, command: "generate-appups", accepted: ["previous_release=PATH"])
    }

    func run() throws {
        try CommandSupport.reportingFailures("generate-appups", json: common.json) {
            let plan = try makePlan()
            if check {
                let gaps = AppupPlanner.coverageGaps(plan)
                report(plan: plan, written: [], gaps: gaps)
                if !gaps.isEmpty { throw ExitCode(3) }
                return
            }
            let written = dryRun ? [] : try AppupWriter.write(plan)
            report(plan: plan, written: written, gaps: nil)
        }
    }

    func makePlan() throws -> AppupPlan {
        let newRoot = try CommandSupport.currentRoot(current: current, config: config)
        // One previous release: --previous, else the first previous_release=.
        let previousPath = CommandSupport.previousRoots(previous.map { [$0] } ?? [], settings: settings, current: newRoot).first
        let oldRoot = try previousPath.map { (path) throws(ReleaseModelError) in try ReleaseRoot(path: path) } ?? newRoot
        let (from, to) = try CommandSupport.versions(old: oldRoot, new: newRoot, separate: previousPath != nil, fromVersion: fromVersion, toVersion: toVersion)
        let oldSide = AppupPlanner.Side(root: oldRoot, release: try oldRoot.release(version: from))
        let newSide = AppupPlanner.Side(root: newRoot, release: try newRoot.release(version: to))
        var options = AppupPlanner.Options()
        options.force = force
        options.outputDirectory = out.map { CommandSupport.absolute($0) }
        options.overridesDirectory = overrides.map { CommandSupport.absolute($0) } ?? (FileManager.default.fileExists(atPath: "appups") ? CommandSupport.absolute("appups") : nil)
        if let directory = options.outputDirectory {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        return try AppupPlanner.plan(from: oldSide, to: newSide, options: options)
    }

    func report(plan: AppupPlan, written: [String], gaps: [AppupCoverageGap]?) {
        for warning in plan.warnings { CommandSupport.warn("generate-appups", warning) }
        if common.json {
            print(Self.json(plan, written: written, gaps: gaps, dryRun: dryRun).text())
            return
        }
        print("Appups for \(plan.releaseName) \(plan.fromVersion) -> \(plan.toVersion)\(dryRun ? " (dry run: nothing written)" : "")")
        for application in plan.upgraded {
            let source: String
            switch application.source {
            case .generated: source = written.contains(application.path) ? "written to \(application.path)" : "generated"
            case .overridden(let file): source = (written.contains(application.path) ? "written to \(application.path)" : "generated") + ", with \(file)"
            case .kept(let file): source = "kept \(file) (it covers \(application.fromVersion); --force regenerates it)"
            }
            print("  \(application.name) \(application.fromVersion) -> \(application.toVersion): \(source)")
            for change in application.changes {
                print("    \(change.kind.padding(toLength: 8, withPad: " ", startingAt: 0)) \(change.module): \(TermWriter.render(change.instruction)) (\(change.reason))")
            }
            for child in application.children {
                let added = child.added.map { "+\(TermWriter.render($0))" }, removed = child.removed.map { "-\(TermWriter.render($0))" }
                print("    children \(child.supervisor) (\(TermWriter.render(child.reference))): \((added + removed).joined(separator: " ")) (removed children stopped first, added ones started last)")
            }
            for module in application.protocols {
                print("    protocol \(module): its consolidated beam changed; loaded from the new release (the old one on downgrade)")
            }
            for module in application.noiseOnly { print("    same     \(module): recompiled, same code (beam_lib:md5); no instruction") }
            for cycle in application.cycles { print("    cycle    \(cycle.joined(separator: ", "))") }
            if application.changes.isEmpty { print("    no module changed") }
        }
        if !plan.added.isEmpty { print("  added:   " + plan.added.map { "\($0.name) \($0.version)" }.joined(separator: ", ") + " (the relup adds them)") }
        if !plan.removed.isEmpty { print("  removed: " + plan.removed.map { "\($0.name) \($0.version)" }.joined(separator: ", ") + " (the relup removes them)") }
        if let gaps {
            if gaps.isEmpty {
                print("check: every changed, added and deleted module is covered")
            } else {
                for gap in gaps { FileHandle.standardError.write(Data("relswap generate-appups: \(gap)\n".utf8)) }
            }
        }
    }

    static func json(_ plan: AppupPlan, written: [String], gaps: [AppupCoverageGap]?, dryRun: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("added", .array(plan.added.map { .object([("name", .string($0.name)), ("version", .string($0.version))]) })),
            ("applications", .array(plan.upgraded.map { application in
                let source: String
                switch application.source {
                case .generated: source = "generated"
                case .overridden: source = "overridden"
                case .kept: source = "kept"
                }
                return .object([
                    ("appup", .string(application.path)),
                    ("changes", .array(application.changes.map { change in
                        .object([("instruction", .string(TermWriter.render(change.instruction))), ("kind", .string(change.kind)),
                                 ("module", .string(change.module)), ("reason", .string(change.reason))])
                    })),
                    ("cycles", .array(application.cycles.map { .strings($0) })),
                    ("from", .string(application.fromVersion)),
                    ("name", .string(application.name)),
                    ("noise_only", .strings(application.noiseOnly)),
                    ("source", .string(source)),
                    ("to", .string(application.toVersion)),
                    ("written", .string(written.contains(application.path) ? "true" : "false")),
                ])
            })),
            ("dry_run", .string(dryRun ? "true" : "false")),
            ("from", .string(plan.fromVersion)),
            ("release", .string(plan.releaseName)),
            ("removed", .array(plan.removed.map { .object([("name", .string($0.name)), ("version", .string($0.version))]) })),
            ("to", .string(plan.toVersion)),
            ("warnings", .strings(plan.warnings)),
        ]
        if let gaps { members.insert(("gaps", .strings(gaps.map(\.description))), at: 3) }
        return .object(members)
    }
}
