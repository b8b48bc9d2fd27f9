import ErlangTerm
import Foundation
import ReleaseModel
import TestSupport
import Testing

/// Our start.boot against `systools:make_script/2` for the same `.rel` and lib dirs: byte for byte, and
/// our `<name>.script` is read by `file:consult/1` as the same term.
@Suite struct BootScriptOracleTests {
    /// Generates with `arguments`, then compares with systools on the generated `.rel` and lib dirs.
    static func compareWithSystools(_ arguments: [String], name: String, version: String, in directory: URL,
                                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        let target = directory.appendingPathComponent("target-\(name)")
        let result = try GenerateSupport.relswap(["generate", "--no-erts", "--target-dir", target.path] + arguments, in: directory)
        try #require(result.status == 0, "relswap generate failed: \(result.standardError)", sourceLocation: sourceLocation)
        let releaseDirectory = target.appendingPathComponent("releases/\(version)")
        let libs = try FileManager.default.contentsOfDirectory(atPath: target.appendingPathComponent("lib").path).sorted()
            .map { target.appendingPathComponent("lib/\($0)/ebin").path }
        let expected = try GenerateSupport.systoolsBoot(relFile: releaseDirectory.appendingPathComponent(name).path, path: libs, in: directory)
        let ours = Array(try Data(contentsOf: releaseDirectory.appendingPathComponent("start.boot")))
        let ourTerm = try ExternalTermFormat.decode(ours)
        let theirTerm = try ExternalTermFormat.decode(expected)
        #expect(ourTerm == theirTerm, "boot terms differ:\n ours    \(TermWriter.render(ourTerm).prefix(2000))\n systools \(TermWriter.render(theirTerm).prefix(2000))", sourceLocation: sourceLocation)
        #expect(ours == expected, "start.boot is not byte-identical to systools' boot", sourceLocation: sourceLocation)
        // The .script text is consulted as the same term.
        let consulted = try ErlangOracle.ask("consult", items: [releaseDirectory.appendingPathComponent("\(name).script").path])
        #expect(try ErlangOracle.term(fromHex: consulted[0]) == .tuple([.atom("ok"), .list([theirTerm])]), sourceLocation: sourceLocation)
    }

    @Test func snowflakeFromRebar2ReltoolConfig() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let project = try GenerateSupport.snowflakeProject(version: 1, in: directory)
        try Self.compareWithSystools(["--config", project.appendingPathComponent("rel/reltool.config").path],
                                     name: "snowflake", version: "1", in: directory)
    }

    @Test func counterFromFlags() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lib = directory.appendingPathComponent("lib")
        try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("counter/v1"), libDirectory: lib, version: "1")
        try Self.compareWithSystools(["--name", "counter", "--release-version", "1", "--app", "counter", "--lib-dir", lib.path],
                                     name: "counter", version: "1", in: directory)
    }

    /// Every OTP application installed whose dependencies are installed too.
    @Test func releaseOfManyOTPApplications() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let installation = try OTPInstallation.onPath()
        var catalog = ApplicationCatalog()
        catalog.addLibraryDirectory(installation.libDirectory)
        let names = try FileManager.default.contentsOfDirectory(atPath: installation.libDirectory).compactMap { entry -> String? in
            let name = String(entry.prefix { $0 != "-" })
            return catalog.candidates(for: name).isEmpty ? nil : name
        }
        func satisfied(_ name: String, _ seen: Set<String> = []) -> Bool {
            guard let resource = catalog.candidates(for: name).first?.resource else { return false }
            return (resource.applications + resource.includedApplications).allSatisfy { dependency in
                seen.contains(dependency) || resource.optionalApplications.contains(dependency) || satisfied(dependency, seen.union([name]))
            }
        }
        let applications = Array(Set(names)).sorted().filter { satisfied($0) }
        #expect(applications.count >= 8, "expected many OTP applications; found \(applications)")
        try Self.compareWithSystools(["--name", "many", "--release-version", "1.0.0"] + applications.flatMap { ["--app", $0] },
                                     name: "many", version: "1.0.0", in: directory)
    }

    /// Made-up applications that exercise systools' ordering rules: included applications (the .app's and
    /// the .rel's override), an application using one that another includes (rewritten to the top
    /// application), load/none/temporary start types, optional applications that are absent, and a
    /// dependency listed after its user.
    @Test func includedApplicationsStartTypesAndOptionalApplications() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lib = directory.appendingPathComponent("lib")
        func app(_ name: String, applications: [String], included: [String] = [], optional: [String] = [], mod: Bool = true) throws {
            let ebin = lib.appendingPathComponent("\(name)-1.0/ebin")
            try FileManager.default.createDirectory(at: ebin, withIntermediateDirectories: true)
            var keys: [Term] = [
                .tuple([.atom("description"), .text("made-up \(name)")]), .tuple([.atom("vsn"), "1.0"]),
                .tuple([.atom("modules"), .list([])]), .tuple([.atom("registered"), .list([])]),
                .tuple([.atom("applications"), .list(applications.map(Term.atom))]),
                .tuple([.atom("env"), .list([.tuple([.atom("key"), .text(name)])])]),
            ]
            if !included.isEmpty { keys.append(.tuple([.atom("included_applications"), .list(included.map(Term.atom))])) }
            if !optional.isEmpty { keys.append(.tuple([.atom("optional_applications"), .list(optional.map(Term.atom))])) }
            if mod { keys.append(.tuple([.atom("mod"), .tuple([.atom("\(name)_app"), .list([])])])) }
            try Data(TermWriter.fileContents([.tuple([.atom("application"), .atom(name), .list(keys)])]).utf8)
                .write(to: ebin.appendingPathComponent("\(name).app"))
        }
        try app("top", applications: ["kernel", "stdlib", "lower"], included: ["inner", "inner2"])
        try app("inner", applications: ["kernel", "stdlib"])
        try app("inner2", applications: ["kernel", "stdlib", "inner"])
        try app("user", applications: ["kernel", "stdlib", "inner", "maybe_absent"], optional: ["maybe_absent"])
        try app("lower", applications: ["kernel", "stdlib"])
        try app("loaded", applications: ["kernel", "stdlib"], mod: false)
        try app("dormant", applications: ["kernel", "stdlib"], mod: false)
        try app("temp", applications: ["kernel", "stdlib", "user"])
        let rel = directory.appendingPathComponent("rel")
        try FileManager.default.createDirectory(at: rel, withIntermediateDirectories: true)
        try Data("""
            {sys, [{lib_dirs, ["../lib"]},
                   {rel, "mixed", "3.1", [kernel, stdlib, sasl, {temp, temporary}, user, {top, [inner2, inner]},
                                          inner, inner2, lower, {loaded, load}, {dormant, none}]},
                   {boot_rel, "mixed"}]}.
            """.utf8).write(to: rel.appendingPathComponent("reltool.config"))
        try Self.compareWithSystools(["--config", rel.appendingPathComponent("reltool.config").path],
                                     name: "mixed", version: "3.1", in: directory)
    }
}
