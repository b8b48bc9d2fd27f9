import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Bad input ends with a clear error naming the file, a non-zero exit, and no target written
/// (an existing target is left exactly as it was).
@Suite struct GenerateErrorTests {
    struct Scenario: Sendable, CustomStringConvertible {
        var description: String
        /// Breaks the lib dir (or writes extra files) before generating.
        var breakIt: @Sendable (_ lib: URL) throws -> Void
        var extraArguments: [String] = []
        var status: Int32 = 1
        var messageFragments: [String]
    }

    static func writeApp(_ lib: URL, name: String, version: String = "1", text: String) throws {
        let ebin = lib.appendingPathComponent("\(name)-\(version)/ebin")
        try FileManager.default.createDirectory(at: ebin, withIntermediateDirectories: true)
        try text.write(to: ebin.appendingPathComponent("\(name).app"), atomically: true, encoding: .utf8)
    }

    static let scenarios: [Scenario] = [
        Scenario(description: "a missing application", breakIt: { _ in }, extraArguments: ["--app", "nosuchapp"],
                 messageFragments: ["application nosuchapp was not found in", "--lib-dir"]),
        Scenario(description: "a missing dependency", breakIt: { lib in
            try writeApp(lib, name: "needy", text: "{application, needy, [{description, \"\"}, {vsn, \"1\"}, {modules, []}, {registered, []}, {applications, [kernel, stdlib, ghost]}]}.\n")
        }, extraArguments: ["--app", "needy"], messageFragments: ["application ghost (needed by needy) was not found"]),
        Scenario(description: "a wrong vsn", breakIt: { _ in }, extraArguments: ["--app", "counter:7"],
                 messageFragments: ["application counter is wanted at version 7, but only 1 was found", "counter.app"]),
        Scenario(description: "a malformed .app", breakIt: { lib in
            try writeApp(lib, name: "broken", text: "{application, broken,\n [{description, \"x\"},\n  {vsn, \"1\"}\n  {modules, []}]}.\n")
        }, extraArguments: ["--app", "broken"], messageFragments: ["broken-1/ebin/broken.app:4:3: expected ']' or ',' or '|' after a list element"]),
        Scenario(description: "an .app without a required key", breakIt: { lib in
            try writeApp(lib, name: "keyless", text: "{application, keyless, [{description, \"x\"}, {vsn, \"1\"}, {modules, []}, {applications, [kernel]}]}.\n")
        }, extraArguments: ["--app", "keyless"], messageFragments: ["keyless.app: application keyless has no 'registered' key"]),
        Scenario(description: "a dependency cycle", breakIt: { lib in
            try writeApp(lib, name: "ping", text: "{application, ping, [{description, \"\"}, {vsn, \"1\"}, {modules, []}, {registered, []}, {applications, [kernel, pong]}]}.\n")
            try writeApp(lib, name: "pong", text: "{application, pong, [{description, \"\"}, {vsn, \"1\"}, {modules, []}, {registered, []}, {applications, [kernel, ping]}]}.\n")
        }, extraArguments: ["--app", "ping"], messageFragments: ["applications depend on each other in a circle: ping -> pong -> ping"]),
        Scenario(description: "a module listed without its beam", breakIt: { lib in
            try writeApp(lib, name: "hollow", text: "{application, hollow, [{description, \"\"}, {vsn, \"1\"}, {modules, [hollow_srv]}, {registered, []}, {applications, [kernel]}]}.\n")
        }, extraArguments: ["--app", "hollow"], messageFragments: ["hollow.app: lists module hollow_srv but", "has no hollow_srv.beam"]),
        Scenario(description: "the same module in two applications", breakIt: { lib in
            try writeApp(lib, name: "twin", text: "{application, twin, [{description, \"\"}, {vsn, \"1\"}, {modules, [counter]}, {registered, []}, {applications, [kernel]}]}.\n")
            try FileManager.default.copyItem(at: lib.appendingPathComponent("counter-1/ebin/counter.beam"), to: lib.appendingPathComponent("twin-1/ebin/counter.beam"))
        }, extraArguments: ["--app", "twin"], messageFragments: ["module counter is in both counter and twin"]),
    ]

    @Test(arguments: scenarios)
    func badInputIsRefusedAndNothingIsWritten(_ scenario: Scenario) throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lib = directory.appendingPathComponent("lib")
        try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("counter/v1"), libDirectory: lib, version: "1")
        try scenario.breakIt(lib)
        let target = directory.appendingPathComponent("rel/counter")
        let result = try GenerateSupport.relswap(["generate", "--name", "counter", "--release-version", "1", "--app", "counter",
                                                  "--lib-dir", lib.path, "--target-dir", target.path] + scenario.extraArguments, in: directory)
        #expect(result.status == scenario.status, "\(result.standardError)")
        for fragment in scenario.messageFragments {
            #expect(result.standardError.contains(fragment), "stderr: \(result.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: target.path), "no target is written")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".relswap-") }
        #expect(leftovers.isEmpty)
    }

    @Test func anExistingTargetIsKeptUnlessForced() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lib = directory.appendingPathComponent("lib")
        try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("counter/v1"), libDirectory: lib, version: "1")
        let target = directory.appendingPathComponent("rel/counter")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try "mine".write(to: target.appendingPathComponent("keep.txt"), atomically: true, encoding: .utf8)
        let arguments = ["generate", "--name", "counter", "--release-version", "1", "--app", "counter", "--lib-dir", lib.path, "--no-erts"]
        let refused = try GenerateSupport.relswap(arguments, in: directory)
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("\(target.path): already exists; pass --force to replace it"))
        #expect(try String(contentsOf: target.appendingPathComponent("keep.txt"), encoding: .utf8) == "mine")
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path) == ["keep.txt"])

        // rebar2's spelling replaces it.
        let forced = try GenerateSupport.relswap(arguments + ["force=1"], in: directory)
        #expect(forced.status == 0, "\(forced.standardError)")
        #expect(!FileManager.default.fileExists(atPath: target.appendingPathComponent("keep.txt").path))
        #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent("releases/1/start.boot").path))

        // A failing regeneration leaves the forced target as it was.
        let before = try GenerateSupport.tree(target)
        let failed = try GenerateSupport.relswap(arguments + ["--force", "--app", "nosuchapp"], in: directory)
        #expect(failed.status == 1)
        let after = try GenerateSupport.tree(target)
        #expect(before.keys.sorted() == after.keys.sorted())
    }

    @Test func aReleaseWithoutSaslIsRefusedWithAReason() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let project = try GenerateSupport.snowflakeProject(version: 1, in: directory)
        let config = project.appendingPathComponent("rel/reltool.config")
        let text = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "{app, hipe, [{incl_cond, exclude}]}", with: "{app, sasl, [{incl_cond, exclude}]}")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let result = try GenerateSupport.relswap(["generate"], in: config.deletingLastPathComponent())
        #expect(result.status == 1)
        #expect(result.standardError.contains("excludes sasl"))
        #expect(result.standardError.contains("release_handler"))
    }
}
