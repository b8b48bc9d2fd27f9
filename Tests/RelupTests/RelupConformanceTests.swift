import ErlangTerm
import Foundation
import Planning
import ReleaseModel
import TestSupport
import Testing

/// The corpus in Fixtures/relup-corpus: for every case, our relup is the same term as systools:make_relup/4's
/// (or, where systools' order follows ETS hash order, satisfies the same constraints), and where systools
/// refuses, so do we.
@Suite struct RelupConformanceTests {
    struct Case {
        var name: String
        var top: (version: String, apps: [Term])
        var bases: [(version: String, apps: [Term], erts: String?)]
        var appups: [(app: String, appup: Term)]
        var restartEmulator = false
        var expectError = false
        /// systools' reason tag (`{expect, {error, Tag}}`), which our refusal must carry too.
        var expectedReason: String?
        var constraintsOnly = false
    }

    static func cases() throws -> [Case] {
        try TermReader.consult(path: ErlangBuild.fixture("relup-corpus/cases.terms").path).map { term in
            guard let pair = term.tupleElements, pair.count == 2, let name = pair[0].atomValue, let options = pair[1].listElements else {
                throw ErlangOracle.Failure(description: "bad case \(TermWriter.render(term))")
            }
            var result = Case(name: name, top: ("", []), bases: [], appups: [])
            for option in options {
                if option == .atom("restart_emulator") { result.restartEmulator = true; continue }
                guard let parts = option.tupleElements, let key = parts.first?.atomValue else { continue }
                switch key {
                case "top": result.top = (parts[1].stringValue!, parts[2].listElements!)
                case "bases":
                    result.bases = parts[1].listElements!.map { base in
                        let items = base.tupleElements!
                        return (items[0].stringValue!, items[1].listElements!, items.count > 2 ? items[2].stringValue : nil)
                    }
                case "appups": result.appups = parts[1].listElements!.map { ($0.tupleElements![0].atomValue!, $0.tupleElements![1]) }
                case "expect":
                    result.expectError = true
                    result.expectedReason = parts[1].tupleElements?[1].atomValue
                case "compare": result.constraintsOnly = true
                default: break
                }
            }
            return result
        }
    }

    /// Writes the case's applications and .rel files under `directory`; returns the .rel stems (top first).
    static func materialize(_ testCase: Case, in directory: URL, installation: OTPInstallation, otpApps: [String: String]) throws -> [String] {
        let lib = directory.appendingPathComponent("lib"), rels = directory.appendingPathComponent("rels")
        try FileManager.default.createDirectory(at: rels, withIntermediateDirectories: true)
        var stems = [String]()
        let releases = [(testCase.top.version, testCase.top.apps, nil as String?)] + testCase.bases.map { ($0.version, $0.apps, $0.erts) }
        for (index, (version, apps, erts)) in releases.enumerated() {
            // kernel, stdlib and sasl of the installed OTP, unless the case gives its own (an old sasl, say).
            let named = Set(apps.compactMap { $0.tupleElements?.first?.atomValue })
            var entries: [Term] = ["kernel", "stdlib", "sasl"].filter { !named.contains($0) }.map { .tuple([.atom($0), .text(otpApps[$0]!)]) }
            for app in apps {
                let parts = app.tupleElements!
                let name = parts[0].atomValue!, appVersion = parts[1].stringValue!
                let type = parts.count > 3 ? parts[3].atomValue! : "permanent"
                let extra = parts.count > 4 ? parts[4].listElements! : []
                let ebin = lib.appendingPathComponent("\(name)-\(appVersion)/ebin")
                try FileManager.default.createDirectory(at: ebin, withIntermediateDirectories: true)
                let resource = Term.tuple([.atom("application"), .atom(name), .list([
                    .tuple([.atom("description"), .text(name)]), .tuple([.atom("vsn"), .text(appVersion)]),
                    .tuple([.atom("modules"), parts[2]]), .tuple([.atom("registered"), .list([])]),
                    .tuple([.atom("applications"), .list([.atom("kernel"), .atom("stdlib")] + extra)])])])
                try Data(TermWriter.fileContents([resource]).utf8).write(to: ebin.appendingPathComponent("\(name).app"))
                if index == 0, let appup = testCase.appups.first(where: { $0.app == name })?.appup {
                    try Data(TermWriter.fileContents([appup]).utf8).write(to: ebin.appendingPathComponent("\(name).appup"))
                }
                entries.append(type == "permanent" ? .tuple([.atom(name), .text(appVersion)]) : .tuple([.atom(name), .text(appVersion), .atom(type)]))
            }
            let rel = Term.tuple([.atom("release"), .tuple(["r", .text(version)]), .tuple([.atom("erts"), .text(erts ?? installation.ertsVersion)]), .list(entries)])
            let stem = rels.appendingPathComponent("r_\(version)").path
            try Data(TermWriter.fileContents([rel]).utf8).write(to: URL(fileURLWithPath: stem + ".rel"))
            stems.append(stem)
        }
        return stems
    }

    /// Our relup for the materialized case.
    static func ours(_ stems: [String], restartEmulator: Bool, lib: URL, installation: OTPInstallation) throws -> Term {
        func load(_ stem: String) throws -> RelupRelease {
            try RelupRelease.load(try ReleaseResource(path: stem + ".rel")) { name, version in
                [lib.appendingPathComponent("\(name)-\(version)").path, "\(installation.libDirectory)/\(name)-\(version)"]
                    .first { FileManager.default.fileExists(atPath: $0) }
            }
        }
        let top = try load(stems[0])
        let bases = try stems.dropFirst().map(load)
        var options = RelupBuilder.Options()
        options.restartEmulator = restartEmulator
        return try RelupBuilder.relup(top: top, upFrom: bases, downTo: bases, options: options)
    }

    @Test func everyCaseMatchesSystools() throws {
        let cases = try Self.cases()
        #expect(cases.filter { !$0.expectError }.count >= 30, "at least 30 release pairs")
        let installation = try OTPInstallation.onPath()
        var catalog = ApplicationCatalog()
        catalog.addLibraryDirectory(installation.libDirectory)
        let otpApps = Dictionary(uniqueKeysWithValues: ["kernel", "stdlib", "sasl"].map { ($0, catalog.candidates(for: $0)[0].resource.version) })
        let root = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        var items = [String](), stemsOf = [[String]]()
        for testCase in cases {
            let directory = root.appendingPathComponent(testCase.name)
            let stems = try Self.materialize(testCase, in: directory, installation: installation, otpApps: otpApps)
            stemsOf.append(stems)
            items.append("\(stems[0])|\(stems.dropFirst().joined(separator: ","))|\(directory.path)/lib/*/ebin|\(testCase.restartEmulator ? "restart_emulator" : "")")
        }
        let answers = try ErlangOracle.ask("relups", items: items)
        try #require(answers.count == cases.count)
        for (index, testCase) in cases.enumerated() {
            let expected = try ErlangOracle.term(fromHex: answers[index])
            let lib = root.appendingPathComponent(testCase.name).appendingPathComponent("lib")
            let ours = Result { try Self.ours(stemsOf[index], restartEmulator: testCase.restartEmulator, lib: lib, installation: installation) }
            let systools = expected.tupleElements!
            if testCase.expectError {
                #expect(systools[0] == .atom("error"), "\(testCase.name): systools accepted it: \(TermWriter.render(expected))")
                switch ours {
                case .success(let relup): Issue.record("\(testCase.name): we accepted it: \(TermWriter.render(relup))")
                case .failure(let error):
                    if let reason = testCase.expectedReason {
                        // {error, {Module, Reason}}: Reason is Tag or {Tag, ...}.
                        let theirs = systools[1].tupleElements?[1]
                        let tag = theirs?.atomValue ?? theirs?.tupleElements?.first?.atomValue
                        #expect(tag == reason, "\(testCase.name): systools refused with \(TermWriter.render(expected))")
                        #expect((error as? PlanningError)?.reason == reason, "\(testCase.name): we refused with \(error)")
                    }
                }
                continue
            }
            guard systools[0] == .atom("ok") else {
                Issue.record("\(testCase.name): systools refused: \(TermWriter.render(expected))")
                continue
            }
            let relup: Term
            switch ours {
            case .success(let value): relup = value
            case .failure(let error):
                Issue.record("\(testCase.name): we refused: \(error)")
                continue
            }
            if testCase.constraintsOnly {
                try Self.checkConstraints(ours: relup, systools: systools[1], name: testCase.name)
            } else {
                #expect(relup == systools[1], "\(testCase.name):\n ours     \(TermWriter.render(relup))\n systools \(TermWriter.render(systools[1]))")
            }
        }
    }

    /// Same instructions as systools (load_object_code's module order aside, which follows the same hash order),
    /// and the loads in dependency order: on upgrade what is called first, on downgrade the callers first.
    static func checkConstraints(ours: Term, systools: Term, name: String) throws {
        func scripts(_ relup: Term) -> [(up: Bool, script: [Term])] {
            let parts = relup.tupleElements!
            return parts[1].listElements!.map { (true, $0.tupleElements![2].listElements!) }
                + parts[2].listElements!.map { (false, $0.tupleElements![2].listElements!) }
        }
        func normalized(_ script: [Term]) -> [String] {
            script.map { instruction in
                if let parts = instruction.tupleElements, parts[0] == .atom("load_object_code"), let triple = parts[1].tupleElements {
                    return TermWriter.render(.tuple([parts[0], .tuple([triple[0], triple[1], .list(triple[2].listElements!.sorted())])]))
                }
                return TermWriter.render(instruction)
            }.sorted()
        }
        for ((up, our), (_, their)) in zip(scripts(ours), scripts(systools)) {
            #expect(normalized(our) == normalized(their), "\(name): the same instructions")
            let loads = our.map(TermWriter.render)
            func index(_ module: String) -> Int { loads.firstIndex(of: "{load,{\(module),brutal_purge,brutal_purge}}") ?? -1 }
            // a1 calls a2 and a3, which call a4.
            let (first, last) = up ? ("a4", "a1") : ("a1", "a4")
            #expect(index(first) < index("a2") && index(first) < index("a3") && index("a2") < index(last) && index("a3") < index(last), "\(name): \(loads)")
        }
    }
}
