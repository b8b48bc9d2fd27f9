import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Elixir's mix release: both versions built with MIX_ENV=prod mix release (offline) into one _build, the node
/// started with mix's own bin/<name> daemon, and upgraded by relswap and relswap-agent alone.
@Suite(.serialized) struct MixReleaseTests {
    static func mix(_ arguments: [String], in project: URL, nodes: NodeEnvironment) throws -> ErlangOracle.ProgramResult {
        var environment = nodes.environment
        environment["MIX_ENV"] = "prod"
        return try ErlangOracle.runCapturing(try ErlangOracle.executable("mix"), arguments, environment: environment, currentDirectory: project)
    }

    static func agent(_ arguments: [String], nodes: NodeEnvironment) throws -> String {
        let result = try Products.run("relswap-agent", arguments + ["--cookie", "anemone_cookie"], environment: nodes.environment)
        #expect(result.status == 0, "relswap-agent \(arguments.joined(separator: " ")): \(result.standardError)")
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theAnemoneCounterIsUpgradedInPlace() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let project = directory.appendingPathComponent("anemone")
        try FileManager.default.copyItem(at: ErlangBuild.fixture("anemone/v1"), to: project)
        let first = try Self.mix(["release"], in: project, nodes: nodes)
        try #require(first.status == 0, "mix release: \(first.standardOutput) \(first.standardError)")
        let rel = project.appendingPathComponent("_build/prod/rel/anemone")
        #expect(!FileManager.default.fileExists(atPath: rel.appendingPathComponent("releases/RELEASES").path), "mix writes no RELEASES")

        let target = directory.appendingPathComponent("target")
        try FileManager.default.copyItem(at: rel, to: target)
        nodes.watch(target.path)
        let node = "anemone_\(nodes.epmdPort)"
        var environment = nodes.environment
        environment["RELEASE_NODE"] = node
        environment["RELEASE_COOKIE"] = "anemone_cookie"
        environment["RELEASE_TMP"] = directory.appendingPathComponent("tmp").path
        try #require(try ErlangOracle.runCapturing(target.appendingPathComponent("bin/anemone").path, ["daemon"], environment: environment).status == 0)
        var before = -1
        for _ in 0..<50 where before <= 0 {
            before = Int(try Products.run("relswap-agent", ["call", "Elixir.Anemone.Counter", "value", "[]", "--node", node, "--cookie", "anemone_cookie"],
                                          environment: nodes.environment).standardOutput.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? -1
            if before <= 0 { usleep(200_000) }
        }
        try #require(before > 0, "the counter runs")
        let pid = try Self.agent(["call", "erlang", "whereis", "['Elixir.Anemone.Counter']", "--node", node], nodes: nodes)

        // Version 2 in the same checkout: it also adds a struct implementing String.Chars, a protocol of elixir's.
        for file in ["mix.exs", "lib/anemone/counter.ex", "lib/anemone/describe.ex", "lib/anemone/reading.ex"] {
            try? FileManager.default.removeItem(at: project.appendingPathComponent(file))
            try FileManager.default.copyItem(at: ErlangBuild.fixture("anemone/v2/\(file)"), to: project.appendingPathComponent(file))
        }
        let second = try Self.mix(["release", "--overwrite"], in: project, nodes: nodes)
        try #require(second.status == 0, "\(second.standardError)")
        // --dry-run and --check write nothing.
        let appupFile = rel.appendingPathComponent("lib/anemone-0.2.0/ebin/anemone.appup")
        #expect(try Products.run("relswap", ["generate-appups", "--current", rel.path, "--dry-run"]).status == 0)
        #expect(try Products.run("relswap", ["generate-appups", "--current", rel.path, "--check"]).status == 3, "no appup yet")
        #expect(!FileManager.default.fileExists(atPath: appupFile.path))
        let appups = try Products.run("relswap", ["generate-appups", "--current", rel.path])
        try #require(appups.status == 0, "\(appups.standardError)")
        #expect(appups.standardOutput.contains("{update,'Elixir.Anemone.Counter',{advanced,[]},[]} (exports code_change/3 (Elixir.GenServer)"))
        #expect(appups.standardOutput.contains("protocol Elixir.String.Chars: its consolidated beam changed"))
        #expect(appups.standardOutput.contains("protocol Elixir.Anemone.Describe: its consolidated beam changed"))
        let check = try Products.run("relswap", ["generate-appups", "--current", rel.path, "--check"])
        #expect(check.status == 0, "\(check.standardError)")
        let upgrade = try Products.run("relswap", ["generate-upgrade", "--current", rel.path, "--delta"])
        try #require(upgrade.status == 0, "\(upgrade.standardError)")

        #expect(try Self.agent(["upgrade", project.appendingPathComponent("_build/prod/rel/anemone_0.2.0.tar.gz").path, "--node", node], nodes: nodes)
                == "\(node): upgraded anemone 0.1.0 -> 0.2.0")
        func value() throws -> Int { Int(try Self.agent(["call", "Elixir.Anemone.Counter", "value", "[]", "--node", node], nodes: nodes).split(separator: " ").last ?? "") ?? -1 }
        let after = try value()
        #expect(after >= before + 1000, "code_change(1, count, _) added 1000: \(before) -> \(after)")
        usleep(700_000)
        let later = try value()
        #expect(later > after && (later - after) % 2 == 0, "+2 per tick: \(after) -> \(later)")
        #expect(try Self.agent(["call", "erlang", "whereis", "['Elixir.Anemone.Counter']", "--node", node], nodes: nodes) == pid, "the same process")
        // The changed consolidated protocol was loaded.
        #expect(try Self.agent(["call", "Elixir.Anemone.Describe", "__protocol__", "[impls]", "--node", node], nodes: nodes)
                == "\(node): {consolidated,['Elixir.Atom','Elixir.Integer']}")
        // String.Chars belongs to elixir, whose version did not change: reloaded all the same, still consolidated.
        let reading = "[#{'__struct__' => 'Elixir.Anemone.Reading', n => 7}]"
        #expect(try Self.agent(["call", "Elixir.String.Chars", "to_string", reading, "--node", node], nodes: nodes) == "\(node): <<\"reading 7\">>")
        #expect(try Self.agent(["call", "Elixir.String.Chars", "__protocol__", "['consolidated?']", "--node", node], nodes: nodes) == "\(node): true")
        // The node had no RELEASES: the agent wrote it, so a downgrade works.
        #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent("releases/RELEASES").path))
        #expect(try Self.agent(["downgrade", "0.1.0", "--node", node], nodes: nodes) == "\(node): downgraded to 0.1.0, permanent")
        #expect(try value() >= later, "the count is kept")
        // The old consolidated protocols are back.
        #expect(try Self.agent(["call", "Elixir.Anemone.Describe", "__protocol__", "[impls]", "--node", node], nodes: nodes)
                == "\(node): {consolidated,['Elixir.Integer']}")
        let impls = try Self.agent(["call", "Elixir.String.Chars", "__protocol__", "[impls]", "--node", node], nodes: nodes)
        #expect(impls.hasPrefix("\(node): {consolidated,[") && !impls.contains("Anemone.Reading"), "\(impls)")
        _ = try ErlangOracle.runCapturing(target.appendingPathComponent("bin/anemone").path, ["stop"], environment: environment)
    }

    /// Elixir 1.14's mix release puts sasl in every release; other versions leave it to extra_applications. A
    /// release without it (simulated here by taking it out of the .rel files) is refused with the fix.
    @Test func aMixReleaseWithoutSaslIsRefusedWithTheFix() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let project = directory.appendingPathComponent("anemone")
        try FileManager.default.copyItem(at: ErlangBuild.fixture("anemone/v1"), to: project)
        func withoutSasl() throws {
            let mixFile = project.appendingPathComponent("mix.exs")
            try String(contentsOf: mixFile, encoding: .utf8).replacingOccurrences(of: "[:logger, :sasl]", with: "[:logger]")
                .write(to: mixFile, atomically: true, encoding: .utf8)
        }
        try withoutSasl()
        try #require(try Self.mix(["release"], in: project, nodes: nodes).status == 0)
        for file in ["mix.exs", "lib/anemone/counter.ex"] {
            try FileManager.default.removeItem(at: project.appendingPathComponent(file))
            try FileManager.default.copyItem(at: ErlangBuild.fixture("anemone/v2/\(file)"), to: project.appendingPathComponent(file))
        }
        try withoutSasl()
        try #require(try Self.mix(["release", "--overwrite"], in: project, nodes: nodes).status == 0)
        let rel = project.appendingPathComponent("_build/prod/rel/anemone")
        #expect(try Products.run("relswap", ["generate-appups", "--current", rel.path]).status == 0)
        for version in ["0.1.0", "0.2.0"] {
            let file = rel.appendingPathComponent("releases/\(version)/anemone.rel")
            let text = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").filter { !$0.contains("{sasl,") }.joined(separator: "\n")
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let upgrade = try Products.run("relswap", ["generate-upgrade", "--current", rel.path])
        #expect(upgrade.status == 1)
        #expect(upgrade.standardError.contains("has no sasl, so it cannot be upgraded"))
        #expect(upgrade.standardError.contains("extra_applications: [:logger, :sasl]"))
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("_build/prod/rel/anemone_0.2.0.tar.gz").path))
    }

    @Test func prepareReleaseWritesWhatMixLacks() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let project = directory.appendingPathComponent("anemone")
        try FileManager.default.copyItem(at: ErlangBuild.fixture("anemone/v1"), to: project)
        try #require(try Self.mix(["release"], in: project, nodes: nodes).status == 0)
        let rel = project.appendingPathComponent("_build/prod/rel/anemone")
        let result = try Products.run("relswap", ["prepare-release", rel.path])
        #expect(result.status == 0, "\(result.standardError)")
        let consulted = try ErlangOracle.ask("consult", items: [rel.appendingPathComponent("releases/RELEASES").path])
        let releases = try ErlangOracle.term(fromHex: consulted[0])
        #expect(TermWriter.render(releases).hasPrefix("{ok,[[{release,\"anemone\",\"0.1.0\","))
        #expect(TermWriter.render(releases).contains("{anemone,\"0.1.0\",\"lib/anemone-0.1.0\"}"))
        #expect(TermWriter.render(releases).hasSuffix(",permanent}]]}"))
        #expect(FileManager.default.fileExists(atPath: rel.appendingPathComponent("releases/anemone-0.1.0.rel").path))
    }
}
