import ErlangTerm
import Foundation
import TestSupport
import Testing

@Suite struct GenerateUpgradeTests {
    /// Counter 1 and 2 as two release roots, with the appup generated.
    static func counterPair(in directory: URL, appup: Bool = true) throws -> (old: URL, new: URL) {
        var roots = [URL]()
        for version in [1, 2] {
            let lib = directory.appendingPathComponent("lib\(version)")
            try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("counter/v\(version)"), libDirectory: lib, version: String(version))
            let root = directory.appendingPathComponent("counter_\(version)")
            let result = try Products.run("relswap", ["generate", "--no-erts", "--name", "counter", "--release-version", String(version),
                                                      "--app", "counter", "--lib-dir", lib.path, "--target-dir", root.path])
            guard result.status == 0 else { throw ErlangOracle.Failure(description: result.standardError) }
            roots.append(root)
        }
        if appup {
            let result = try Products.run("relswap", ["generate-appups", "--previous", roots[0].path, "--current", roots[1].path])
            guard result.status == 0 else { throw ErlangOracle.Failure(description: result.standardError) }
        }
        return (roots[0], roots[1])
    }

    @Test func theArchiveIsReproducibleAndHasTheLayoutReleaseHandlerNeeds() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try Self.counterPair(in: directory)
        var digests = [String]()
        for run in 1...2 {
            let out = directory.appendingPathComponent("out\(run)")
            let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", out.path, "--json"],
                                          environment: ["SOURCE_DATE_EPOCH": "1700000000"])
            #expect(result.status == 0, "\(result.standardError)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
            digests.append(report["sha256"] as? String ?? "")
            #expect(report["archive"] as? String == out.appendingPathComponent("counter_2.tar.gz").path)
            let size = try #require(report["size"] as? Int, "the size is a number")
            #expect(size == (try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("counter_2.tar.gz").path)[.size] as? Int))
            #expect(report["delta"] as? Bool == false, "a boolean")
        }
        #expect(digests[0] == digests[1] && digests[0].count == 64, "byte-identical archives")
        // erl_tar, as release_handler uses it, lists the entries.
        let listing = try ErlangOracle.evaluate("""
            {ok, Names} = erl_tar:table("\(directory.path)/out1/counter_2.tar.gz", [compressed, verbose]), \
            [io:format("~s ~p ~p~n", [N, Uid, MTime]) || {N, _, _, MTime, _, Uid, _} <- Names]
            """)
        let lines = listing.split(separator: "\n").map(String.init)
        for required in ["releases/counter_2.rel", "releases/2/counter.rel", "releases/2/start.boot", "releases/2/relup",
                         "releases/2/sys.config", "releases/2/vm.args", "lib/counter-2/ebin/counter.beam", "lib/kernel-"] {
            #expect(lines.contains { $0.hasPrefix(required) }, "\(required) is in the archive")
        }
        #expect(lines.allSatisfy { $0.hasSuffix(" 0 1700000000") }, "owner 0 and the SOURCE_DATE_EPOCH date: \(lines.prefix(3))")
        // The relup went into the release, and is what systools would read.
        let relup = try TermReader.consult(path: new.appendingPathComponent("releases/2/relup").path)
        #expect(relup.count == 1 && relup[0].tupleElements?.first == "2")
    }

    /// Every --compression writes one gzip stream that gzip -t, erl_tar (extracting every file, as release_handler
    /// does) and zlib read, holding the same files; best is the smallest, fast is no smaller than default.
    @Test func everyCompressionIsReadByGzipAndErlTar() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try Self.counterPair(in: directory)
        var sizes = [String: Int](), listings = [String: String]()
        for mode in ["fast", "default", "best"] {
            let out = directory.appendingPathComponent(mode)
            let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", out.path,
                                                      "--compression", mode])
            #expect(result.status == 0, "\(result.standardError)")
            let archive = out.appendingPathComponent("counter_2.tar.gz")
            sizes[mode] = try FileManager.default.attributesOfItem(atPath: archive.path)[.size] as? Int
            let tested = try ErlangOracle.runCapturing(try ErlangOracle.executable("gzip"), ["-t", archive.path])
            #expect(tested.status == 0, "gzip -t (\(mode)): \(tested.standardError)")
            let extracted = out.appendingPathComponent("x")
            listings[mode] = try ErlangOracle.evaluate("""
                ok = erl_tar:extract("\(archive.path)", [compressed, {cwd, "\(extracted.path)"}]), \
                Files = lists:sort(filelib:wildcard("**", "\(extracted.path)")), \
                [io:format("~s ~p~n", [F, erlang:md5(element(2, file:read_file(filename:join("\(extracted.path)", F))))]) || F <- Files, filelib:is_regular(filename:join("\(extracted.path)", F))]
                """)
        }
        #expect(listings["fast"] == listings["default"] && listings["best"] == listings["default"], "the same files, byte for byte")
        #expect((listings["default"] ?? "").contains("lib/counter-2/ebin/counter.beam"))
        #expect(sizes["best"]! < sizes["default"]! && sizes["default"]! <= sizes["fast"]!, "\(sizes)")
        let wrong = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--compression", "zstd"])
        #expect(wrong.status == 64 && wrong.standardError.contains("zstd"), "\(wrong.standardError)")
    }

    /// OTP's own release is named "Erlang/OTP": such a name cannot be a file name, so the package is named after
    /// the .rel file, as systools:make_tar names its archives, and release_handler finds its .rel by that name.
    @Test func aReleaseNameWithASlashPacksUnderTheRelFileName() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try Self.counterPair(in: directory)
        for (root, version) in [(old, "1"), (new, "2")] {
            let releaseDirectory = root.appendingPathComponent("releases/\(version)")
            for file in try FileManager.default.contentsOfDirectory(atPath: releaseDirectory.path) where file.hasSuffix(".rel") {
                let url = releaseDirectory.appendingPathComponent(file)
                try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "{\"counter\",", with: "{\"Counter/OTP\",")
                    .write(to: url, atomically: true, encoding: .utf8)
            }
            // The boot file names the release too (generate-upgrade checks that they agree).
            let boot = releaseDirectory.appendingPathComponent("start.boot").path
            _ = try ErlangOracle.evaluate("""
                {ok, B} = file:read_file("\(boot)"), {script, {_, V}, I} = binary_to_term(B), \
                ok = file:write_file("\(boot)", term_to_binary({script, {"Counter/OTP", V}, I}))
                """)
        }
        let out = directory.appendingPathComponent("out")
        let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", out.path, "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let archives = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(archives.count == 1 && archives[0].hasSuffix("_2.tar.gz"), "\(archives)")
        let package = String(try #require(archives.first).dropLast(".tar.gz".count))
        let listing = try ErlangOracle.evaluate("""
            {ok, Names} = erl_tar:table("\(out.path)/\(package).tar.gz", [compressed]), \
            {ok, [{release, {Name, _}, _, _}]} = file:consult("\(new.path)/releases/2/" ++ hd([F || F <- element(2, file:list_dir("\(new.path)/releases/2")), filename:extension(F) == ".rel"])), \
            io:format("~s ~p", [Name, lists:member("releases/\(package).rel", Names)])
            """)
        #expect(listing == "Counter/OTP true", "the .rel release_handler looks for by the package name is in the archive")
    }

    /// Generated vm.args hold a random cookie; a successor generated with --previous keeps it, and generate-upgrade
    /// warns when the two releases' cookies differ (bin/<name> could not reach the upgraded node).
    @Test func aSuccessorKeepsTheCookieAndADifferentOneIsWarnedAbout() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try Self.counterPair(in: directory)
        func cookie(_ root: URL, _ version: String) throws -> String {
            let text = try String(contentsOf: root.appendingPathComponent("releases/\(version)/vm.args"), encoding: .utf8)
            return try #require(text.split(separator: "\n").first { $0.hasPrefix("-setcookie ") }.map(String.init))
        }
        #expect(try cookie(old, "1") != cookie(new, "2"), "two random cookies")
        let warned = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", directory.appendingPathComponent("out1").path])
        #expect(warned.status == 0, "\(warned.standardError)")
        #expect(warned.standardError.contains("warning: the cookies in \(old.path)/releases/1/vm.args and \(new.path)/releases/2/vm.args differ"))

        let regenerated = try Products.run("relswap", ["generate", "--no-erts", "--force", "--name", "counter", "--release-version", "2", "--app", "counter",
                                                       "--lib-dir", directory.appendingPathComponent("lib2").path, "--target-dir", new.path, "--previous", old.path])
        try #require(regenerated.status == 0, "\(regenerated.standardError)")
        #expect(try cookie(old, "1") == cookie(new, "2"), "the successor keeps the cookie")
        _ = try Products.run("relswap", ["generate-appups", "--previous", old.path, "--current", new.path])
        let quiet = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", directory.appendingPathComponent("out2").path])
        #expect(quiet.status == 0, "\(quiet.standardError)")
        #expect(!quiet.standardError.contains("cookies"))
    }

    @Test func aMissingAppupEntryLeavesNoArchiveAndNoRelup() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try Self.counterPair(in: directory, appup: false)
        let appup = new.appendingPathComponent("lib/counter-2/ebin/counter.appup")
        try "{\"2\", [{\"0.9\", [{load_module, counter}]}], [{\"0.9\", []}]}.\n".write(to: appup, atomically: true, encoding: .utf8)
        let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(appup.path): application counter has no upgrade from 1 in its appup"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("counter_2.tar.gz").path))
        #expect(!FileManager.default.fileExists(atPath: new.appendingPathComponent("releases/2/relup").path))
    }

    @Test func anInstructionForAModuleTheApplicationLacksIsAnError() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try Self.counterPair(in: directory, appup: false)
        let appup = new.appendingPathComponent("lib/counter-2/ebin/counter.appup")
        try "{\"2\", [{\"1\", [{load_module, counter_ghost}]}], [{\"1\", []}]}.\n".write(to: appup, atomically: true, encoding: .utf8)
        let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("names module counter_ghost, which counter 2 does not have"))
        #expect(!FileManager.default.fileExists(atPath: new.appendingPathComponent("releases/2/relup").path))
    }

    @Test func aReleaseWithoutStartBootIsRefused() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try Self.counterPair(in: directory)
        try FileManager.default.removeItem(at: new.appendingPathComponent("releases/2/start.boot"))
        let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path])
        #expect(result.status == 2)
        #expect(result.standardError.contains("has no start.boot, which install_release needs"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("counter_2.tar.gz").path))
        #expect(!FileManager.default.fileExists(atPath: new.appendingPathComponent("releases/2/relup").path))
    }
}
