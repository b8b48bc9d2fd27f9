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
        upgrade undone. Appups go to lib/<app>-<vsn>/ebin/<app>.appup of the new release (or --output).

        The two versions are two release roots (--previous, --current), or two versions in one root \
        (--from-version, --to-version; by default the permanent version and the newest other one).

        Exit status: 0 done; 1 the releases cannot be compared (not a release, a missing .rel, the same \
        version, different names, a corrupt beam, an application changed without a new version); 2 an appup \
        could not be written; 3 --check refused (a missing, malformed or incomplete appup, or a relup generate-upgrade would refuse); 64 usage error.

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
    var output: String?

    @Option(help: ArgumentHelp("Directory of override files <app>.appup (default: ./appups if it exists).", valueName: "dir"))
    var overrides: String?

    @Option(name: .customLong("accept-rebuilt"), help: ArgumentHelp("Go on although APP keeps its version while its code changed (rebuilt by a newer compiler, say); the node keeps the previous build's code of APP until it restarts (repeatable).", valueName: "app"))
    var acceptRebuilt: [String] = []

    @Option(name: .customLong("debug-info-from"), help: ArgumentHelp("A directory of beams with debug info (e.g. _build/prod/lib), matched to the release's stripped ones by beam_lib:md5 (repeatable).", valueName: "dir"))
    var debugInfoFrom: [String] = []

    @Option(name: .customLong("accept"), help: ArgumentHelp("Accept a risk, CODE:Module (or CODE:Application), so that --check passes it (repeatable).", valueName: "code:module"))
    var accept: [String] = []

    enum NativeCode: String, ExpressibleByArgument, CaseIterable { case restart, refuse }

    @Option(help: ArgumentHelp("An application whose native code (NIF, priv/*.so) changed: restart it in the upgrade (default), or refuse (keep module loads, report the error).", valueName: "restart|refuse"))
    var nativeCode: NativeCode = .restart

    @Flag(help: "Do not look for risks (they cost a read of the import tables of the new release's modules).")
    var noRisks = false

    @Flag(help: "Regenerate appups the new release already has for the old version.")
    var force = false

    @Flag(help: "Write nothing; exit 3 unless every upgraded application's appup in the new release exists, covers each changed, added and deleted module both ways, and gives a relup.")
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
            let (plan, old, new) = try makePlan()
            if check {
                var problems = AppupCheck.problems(plan: plan, old: old, new: new)
                // Error-level risks fail the gate too, unless accepted.
                for risk in plan.risks where risk.level == .error && !risk.accepted {
                    problems.append(AppupProblem(code: risk.code, application: risk.application, module: risk.module, direction: nil, file: nil,
                                                 message: "risk \(risk.code) in \(risk.application)\(risk.module.map { ":\($0)" } ?? ""): \(risk.seen); \(risk.fix)"))
                }
                report(plan: plan, written: [], problems: problems)
                if !problems.isEmpty { throw ExitCode(3) }
                return
            }
            let written = dryRun ? [] : try AppupWriter.write(plan)
            report(plan: plan, written: written, problems: nil)
        }
    }

    func makePlan() throws -> (AppupPlan, AppupPlanner.Side, AppupPlanner.Side) {
        let newRoot = try CommandSupport.currentRoot(current: current, config: config)
        // One previous release: --previous, else the first previous_release=.
        let previousPath = CommandSupport.previousRoots(previous.map { [$0] } ?? [], settings: settings, current: newRoot).first
        let oldRoot = try previousPath.map { (path) throws(ReleaseModelError) in try ReleaseRoot(path: path) } ?? newRoot
        let (from, to) = try CommandSupport.versions(old: oldRoot, new: newRoot, separate: previousPath != nil, fromVersion: fromVersion, toVersion: toVersion)
        let oldSide = AppupPlanner.Side(root: oldRoot, release: try oldRoot.release(version: from))
        let newSide = AppupPlanner.Side(root: newRoot, release: try newRoot.release(version: to))
        var options = AppupPlanner.Options()
        options.force = force
        options.checking = check
        options.acceptRebuilt = Set(acceptRebuilt)
        options.debugInfoFrom = debugInfoFrom.map { CommandSupport.absolute($0) }
        options.accepted = Set(accept)
        options.findRisks = !noRisks
        options.restartOnNativeCode = nativeCode == .restart
        options.outputDirectory = output.map { CommandSupport.absolute($0) }
        options.overridesDirectory = overrides.map { CommandSupport.absolute($0) } ?? (FileManager.default.fileExists(atPath: "appups") ? CommandSupport.absolute("appups") : nil)
        if let directory = options.outputDirectory, !check, !dryRun {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        return (try AppupPlanner.plan(from: oldSide, to: newSide, options: options), oldSide, newSide)
    }

    func report(plan: AppupPlan, written: [String], problems: [AppupProblem]?) {
        for warning in plan.warnings { CommandSupport.warn("generate-appups", warning.description) }
        if common.json {
            print(AppupReport(plan: plan, written: written, problems: problems, dryRun: dryRun).text())
            if let problems { for problem in problems { FileHandle.standardError.write(Data("relswap generate-appups: \(problem)\n".utf8)) } }
            return
        }
        print("Appups for \(plan.releaseName) \(plan.fromVersion) -> \(plan.toVersion)\(dryRun ? " (dry run: nothing written)" : "")")
        for application in plan.upgraded {
            let destination = written.contains(application.path) ? "written to \(application.path)" : "generated"
            let source: String
            switch application.source {
            case .generated: source = destination
            case .overridden(let file): source = destination + ", with \(file)"
            case .kept(let file): source = "kept \(file) (it covers \(application.fromVersion); --force regenerates it)"
            case .handWritten(let file):
                source = "from \(file) (it covers \(application.fromVersion); --force regenerates it), " + (written.contains(application.path) ? "written to \(application.path)" : "to be written to \(application.path)")
            }
            print("  \(application.name) \(application.fromVersion) -> \(application.toVersion): \(source)")
            if application.usesGeneratedInstructions {
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
                if case .overridden = application.source {
                    for instruction in application.appup.up.first(where: { $0.matches(application.fromVersion) })?.instructions ?? [] {
                        print("    up       \(TermWriter.render(instruction))")
                    }
                }
            } else {
                // What release_handler will run: the hand-written instructions, not the ones Relswap would generate.
                for (direction, entries) in [("up", application.appup.up), ("down", application.appup.down)] {
                    for instruction in entries.first(where: { $0.matches(application.fromVersion) })?.instructions ?? [] {
                        print("    \(direction.padding(toLength: 8, withPad: " ", startingAt: 0)) \(TermWriter.render(instruction))")
                    }
                }
            }
            for module in application.noiseOnly { print("    same     \(module): recompiled, same code (beam_lib:md5); no instruction") }
            for cycle in application.cycles { print("    cycle    \(cycle.joined(separator: ", "))") }
            if application.changes.isEmpty { print("    no module changed") }
        }
        if !plan.risks.isEmpty {
            print("  risks:")
            for risk in plan.risks { print("    \(risk)") }
        }
        if !plan.added.isEmpty { print("  added:   " + plan.added.map { "\($0.name) \($0.version)" }.joined(separator: ", ") + " (the relup adds them)") }
        if !plan.removed.isEmpty { print("  removed: " + plan.removed.map { "\($0.name) \($0.version)" }.joined(separator: ", ") + " (the relup removes them)") }
        if let problems {
            if problems.isEmpty {
                print("check: every upgraded application has an appup that covers each changed, added and deleted module, and the relup builds")
            } else {
                for problem in problems { FileHandle.standardError.write(Data("relswap generate-appups: \(problem)\n".utf8)) }
            }
        }
    }
}
