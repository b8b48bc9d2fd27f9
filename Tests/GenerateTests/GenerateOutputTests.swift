import ErlangTerm
import Foundation
import TestSupport
import Testing

/// What `relswap generate` writes: the layout, deterministic bytes, the cookie, warnings, and
/// the files OTP's own readers must accept.
@Suite struct GenerateOutputTests {
    static func counterLib(in directory: URL) throws -> URL {
        let lib = directory.appendingPathComponent("lib")
        try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("counter/v1"), libDirectory: lib, version: "1")
        return lib
    }

    @Test func twoRunsWriteIdenticalTrees() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lib = try Self.counterLib(in: directory)
        let vmArgs = directory.appendingPathComponent("vm.args")
        try "-sname counter\n-setcookie fixed_for_this_test\n".write(to: vmArgs, atomically: true, encoding: .utf8)
        var trees = [[String: (Data, Int)]]()
        for run in 1...2 {
            let target = directory.appendingPathComponent("run\(run)/counter")
            let result = try GenerateSupport.relswap(["generate", "--name", "counter", "--release-version", "1", "--app", "counter",
                                                      "--lib-dir", lib.path, "--vm-args", vmArgs.path, "--target-dir", target.path], in: directory)
            try #require(result.status == 0, "\(result.standardError)")
            trees.append(try GenerateSupport.tree(target))
        }
        #expect(trees[0].keys.sorted() == trees[1].keys.sorted())
        for (path, (data, mode)) in trees[0] {
            #expect(trees[1][path]?.0 == data, "\(path) differs between runs")
            #expect(trees[1][path]?.1 == mode, "\(path)'s permissions differ between runs")
        }
        #expect(trees[0].count > 100)
        for expected in ["bin/counter", "releases/RELEASES", "releases/start_erl.data", "releases/1/counter.rel", "releases/1/start.boot",
                         "releases/1/counter.boot", "releases/1/counter.script", "releases/1/start_clean.boot", "releases/1/sys.config",
                         "releases/1/vm.args", "lib/counter-1/ebin/counter.app", "lib/counter-1/ebin/counter.beam"] {
            #expect(trees[0][expected] != nil, "\(expected) is written")
        }
        #expect(trees[0]["bin/counter"]?.1 == 0o755)
        #expect(trees[0].keys.contains { $0.hasPrefix("erts-") && $0.hasSuffix("/bin/erlexec") })
    }

    @Test func generatedVMArgsHaveARandomCookieThatRegenerationKeeps() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lib = try Self.counterLib(in: directory)
        func generate(_ target: URL, force: Bool = false) throws -> String {
            let result = try GenerateSupport.relswap(["generate", "--name", "counter", "--release-version", "1", "--app", "counter", "--no-erts",
                                                      "--lib-dir", lib.path, "--target-dir", target.path] + (force ? ["--force"] : []), in: directory)
            try #require(result.status == 0, "\(result.standardError)")
            let text = try String(contentsOf: target.appendingPathComponent("releases/1/vm.args"), encoding: .utf8)
            #expect(text.contains("\n-sname counter\n"))
            return try #require(text.split(separator: "\n").first { $0.hasPrefix("-setcookie ") }).dropFirst("-setcookie ".count).description
        }
        let first = try generate(directory.appendingPathComponent("a"))
        let second = try generate(directory.appendingPathComponent("b"))
        #expect(first.count == 40)
        #expect(first != second, "each release gets its own random cookie")
        #expect(try generate(directory.appendingPathComponent("a"), force: true) == first, "regenerating keeps the cookie")
    }

    /// A dangling link and a directory link to itself in priv/ (as a Debian package's web assets can be) are kept as
    /// links with a warning naming each; the release is still generated, and its links are the same links.
    @Test func linksThatCannotBeFollowedAreKeptAsLinks() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lib = try Self.counterLib(in: directory)
        let application = try #require(try FileManager.default.contentsOfDirectory(atPath: lib.path).first { $0.hasPrefix("counter") })
        let priv = lib.appendingPathComponent("\(application)/priv/www")
        try FileManager.default.createDirectory(at: priv, withIntermediateDirectories: true)
        try "body {}".write(to: priv.appendingPathComponent("site.css"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: priv.appendingPathComponent("jquery.js").path, withDestinationPath: "/usr/share/javascript/not-installed/jquery.js")
        try FileManager.default.createSymbolicLink(atPath: priv.appendingPathComponent("self").path, withDestinationPath: ".")
        let target = directory.appendingPathComponent("rel")
        let result = try GenerateSupport.relswap(["generate", "--name", "counter", "--release-version", "1", "--app", "counter", "--no-erts",
                                                  "--lib-dir", lib.path, "--target-dir", target.path, "--json"], in: directory)
        try #require(result.status == 0, "\(result.standardError)")
        let copied = target.appendingPathComponent("lib/counter-1/priv/www")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: copied.appendingPathComponent("jquery.js").path) == "/usr/share/javascript/not-installed/jquery.js")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: copied.appendingPathComponent("self").path) == ".")
        #expect(try String(contentsOf: copied.appendingPathComponent("site.css"), encoding: .utf8) == "body {}")
        #expect(result.standardError.contains("\(priv.path)/jquery.js is a link to nothing; copied as a link"))
        #expect(result.standardError.contains("\(priv.path)/self is a link back to a directory that contains it; copied as a link to ."))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect((report["warnings"] as? [String])?.count == 2)
    }

    /// RELEASES and the .rel are read by file:consult as release_handler expects them; start_erl.data has no newline.
    @Test func releaseFilesAreWhatReleaseHandlerReads() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lib = try Self.counterLib(in: directory)
        let target = directory.appendingPathComponent("rel")
        let result = try GenerateSupport.relswap(["generate", "--name", "counter", "--release-version", "1", "--app", "counter", "--no-erts",
                                                  "--lib-dir", lib.path, "--target-dir", target.path, "--json"], in: directory)
        try #require(result.status == 0, "\(result.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(report["release"] as? String == "counter")
        let ertsVersion = try #require(report["erts"] as? String)
        let answers = try ErlangOracle.ask("consult", items: ["releases/RELEASES", "releases/1/counter.rel"].map { target.appendingPathComponent($0).path })
        let releases = try ErlangOracle.term(fromHex: answers[0])
        let rel = try ErlangOracle.term(fromHex: answers[1])
        guard case .tuple(let relParts) = rel, case .list(let relTerms) = relParts[1],
              case .tuple(let relTuple) = relTerms[0], case .list(let entries) = relTuple[3] else {
            Issue.record("unexpected .rel \(TermWriter.render(rel))")
            return
        }
        let libraries: [Term] = entries.map { entry in
            let parts = entry.tupleElements!
            let name = parts[0].atomValue!, version = parts[1].stringValue!
            return .tuple([.atom(name), .text(version), .text("lib/\(name)-\(version)")])
        }
        #expect(releases == .tuple([.atom("ok"), .list([.list([.tuple([.atom("release"), "counter", "1", .text(ertsVersion), .list(libraries), .atom("permanent")])])])]))
        #expect(entries.map { $0.tupleElements![0] } == [.atom("kernel"), .atom("stdlib"), .atom("sasl"), .atom("counter")])
        #expect(try String(contentsOf: target.appendingPathComponent("releases/start_erl.data"), encoding: .utf8) == "\(ertsVersion) 1")
    }

    @Test func unsupportedConfigurationIsNamedInWarnings() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let project = try GenerateSupport.snowflakeProject(version: 1, in: directory)
        let config = project.appendingPathComponent("rel/reltool.config")
        var text = try String(contentsOf: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "{boot_rel, \"snowflake\"},", with: "{boot_rel, \"snowflake\"}, {excl_lib, otp_root}, {fancy_option, 1},")
        text = text.replacingOccurrences(of: "{mkdir, \"log/sasl\"},", with: "{mkdir, \"log/sasl\"}, {replace, \"x\", \"a\", \"b\"},")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let result = try GenerateSupport.relswap(["generate", "--no-erts"], in: config.deletingLastPathComponent())
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("warning: \(config.path): sys option excl_lib is not supported by relswap generate and was ignored"))
        #expect(result.standardError.contains("sys option fancy_option is not supported"))
        #expect(result.standardError.contains("overlay step {replace,\"x\",\"a\",\"b\"} is not supported"))
        #expect(!result.standardError.contains("profile"), "options without effect are accepted quietly")
        // The overlays that are supported ran: the template got its variables.
        let vmArgs = try String(contentsOf: project.appendingPathComponent("rel/snowflake/releases/1/vm.args"), encoding: .utf8)
        #expect(vmArgs.contains("-sname snowflake\n"))
        #expect(vmArgs.contains("-setcookie snowflake_fixture_cookie\n"))
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("rel/snowflake/log/sasl").path))
    }

    /// rebar3's relx section: release, sys_config, vm_args, include_erts, overlay; applications from _build/default/lib.
    @Test func rebar3RelxSection() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let project = directory.appendingPathComponent("counter")
        let lib = project.appendingPathComponent("_build/default/lib")
        try ErlangBuild.compile(ErlangBuild.fixture("counter/v1"), into: lib.appendingPathComponent("counter"))
        try FileManager.default.createDirectory(at: project.appendingPathComponent("config"), withIntermediateDirectories: true)
        try "[{counter, [{interval, 50}]}].\n".write(to: project.appendingPathComponent("config/sys.config"), atomically: true, encoding: .utf8)
        try "-sname counter\n-setcookie relx_cookie\n".write(to: project.appendingPathComponent("config/vm.args"), atomically: true, encoding: .utf8)
        try "hello {{release_name}} {{release_version}}\n".write(to: project.appendingPathComponent("config/README.in"), atomically: true, encoding: .utf8)
        try """
            {erl_opts, [debug_info]}.
            {relx, [{release, {counter, "1"}, [counter, sasl]},
                    {sys_config, "./config/sys.config"},
                    {vm_args, "./config/vm.args"},
                    {include_erts, false},
                    {mode, prod},
                    {overlay, [{mkdir, "notes"}, {template, "config/README.in", "notes/README"}]}]}.
            """.write(to: project.appendingPathComponent("rebar.config"), atomically: true, encoding: .utf8)
        let result = try GenerateSupport.relswap(["generate"], in: project)
        #expect(result.status == 0, "\(result.standardError)")
        let target = project.appendingPathComponent("rel/counter")
        #expect(try String(contentsOf: target.appendingPathComponent("releases/1/sys.config"), encoding: .utf8) == "[{counter, [{interval, 50}]}].\n")
        #expect(try String(contentsOf: target.appendingPathComponent("releases/1/vm.args"), encoding: .utf8).contains("relx_cookie"))
        #expect(try String(contentsOf: target.appendingPathComponent("notes/README"), encoding: .utf8) == "hello counter 1\n")
        let entries = try FileManager.default.contentsOfDirectory(atPath: target.path)
        #expect(!entries.contains { $0.hasPrefix("erts-") }, "include_erts false copies no erts")
    }
}

@Suite struct GenerateDetailTests {
    @Test func aBeamTheAppDoesNotListIsAWarning() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lib = try GenerateOutputTests.counterLib(in: directory)
        let ebin = lib.appendingPathComponent("counter-1/ebin")
        try FileManager.default.copyItem(at: ebin.appendingPathComponent("counter.beam"), to: ebin.appendingPathComponent("stray.beam"))
        let result = try GenerateSupport.relswap(["generate", "--name", "counter", "--release-version", "1", "--app", "counter", "--no-erts",
                                                  "--lib-dir", lib.path], in: directory)
        #expect(result.status == 0)
        #expect(result.standardError.contains("warning: \(ebin.path)/counter.app: \(ebin.path)/stray.beam is not in the modules list of counter"))
    }

    /// The copied erts' erl finds its root from where it lives (Debian's hard-codes /usr/lib/erlang).
    @Test func theReleasesErlIsRelocatable() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lib = try GenerateOutputTests.counterLib(in: directory)
        let first = directory.appendingPathComponent("first")
        let result = try GenerateSupport.relswap(["generate", "--name", "counter", "--release-version", "1", "--app", "counter",
                                                  "--lib-dir", lib.path, "--target-dir", first.path], in: directory)
        try #require(result.status == 0, "\(result.standardError)")
        // Moved after it was written: the root follows.
        let moved = directory.appendingPathComponent("moved/counter")
        try FileManager.default.createDirectory(at: moved.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: first, to: moved)
        let erts = try #require(try FileManager.default.contentsOfDirectory(atPath: moved.path).first { $0.hasPrefix("erts-") })
        let erl = moved.appendingPathComponent("\(erts)/bin/erl").path
        let root = try ErlangOracle.runCapturing(erl, ["-noshell", "-eval", "io:format(\"~s\", [code:root_dir()]), halt()."],
                                                 environment: ["HOME": directory.path])
        #expect(root.status == 0, "\(root.standardError)")
        #expect(root.standardOutput == moved.resolvingSymlinksInPath().path)
    }
}
