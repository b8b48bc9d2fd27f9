import Beam
import ErlangTerm
import Foundation
import Planning
import TestSupport
import Testing

/// Child ids read statically from supervisors' debug info, checked against what the compiled supervisor's own
/// init/1 returns when OTP runs it (Erlang), and against Elixir's Supervisor.init/2 (Elixir).
@Suite struct SupervisorChildrenTests {
    @Test func erlangChildIdsEqualWhatInitReturnsOnOTP() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for version in [1, 2] {
            let app = try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("kinder/v\(version)"), libDirectory: directory.appendingPathComponent("v\(version)"),
                                                              version: String(version), erlcOptions: ["+debug_info"])
            let ebin = app.appendingPathComponent("ebin")
            let children = try SupervisorChildren.read(BeamFile(path: ebin.appendingPathComponent("kinder_sup.beam").path), module: "kinder_sup")
            let ids = try ErlangOracle.evaluate("""
                code:add_patha("\(ebin.path)"), {ok, {_, Specs}} = kinder_sup:init([]), \
                io:format("~s", [binary:encode_hex(term_to_binary([maps:get(id, S) || S <- Specs]))])
                """)
            #expect(Term.list(children.ids) == (try ErlangOracle.term(fromHex: ids)))
            #expect(children.reference == .atom("kinder_top"), "the registered name, not the module")
        }
        // The coverage fixture builds its children with a list comprehension.
        let cov = try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("coverage/v2"), libDirectory: directory.appendingPathComponent("cov"),
                                                          version: "2", erlcOptions: ["+debug_info"])
        let children = try SupervisorChildren.read(BeamFile(path: cov.appendingPathComponent("ebin/cov_sup.beam").path), module: "cov_sup")
        #expect(children.ids == [.atom("cov_server"), .atom("cov_statem"), .atom("cov_worker")])
    }

    @Test func oldStyleTupleSpecsAndAGlobalName() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try ErlangOracle.runProgram(try ErlangOracle.executable("erlc"), ["+debug_info", "-o", directory.path,
                                                                          ErlangBuild.fixture("erlang-supervisors/tuple_sup.erl").path])
        let children = try SupervisorChildren.read(BeamFile(path: directory.appendingPathComponent("tuple_sup.beam").path), module: "tuple_sup")
        let ids = try ErlangOracle.evaluate("""
            code:add_patha("\(directory.path)"), {ok, {_, Specs}} = tuple_sup:init([]), \
            io:format("~s", [binary:encode_hex(term_to_binary([element(1, S) || S <- Specs]))])
            """)
        #expect(Term.list(children.ids) == (try ErlangOracle.term(fromHex: ids)))
        #expect(children.reference == .tuple([.atom("global"), .atom("tuple_top")]))
    }

    @Test func withoutDebugInfoTheReasonIsGiven() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let app = try ErlangBuild.compileIntoLibDirectory(ErlangBuild.fixture("kinder/v1"), libDirectory: directory, version: "1")
        #expect(throws: SupervisorChildren.Unreadable(reason: "it was compiled without debug_info")) {
            try SupervisorChildren.read(BeamFile(path: app.appendingPathComponent("ebin/kinder_sup.beam").path), module: "kinder_sup")
        }
    }

    /// Without debug info, generate-appups says which supervisor and what to write by hand.
    @Test func aSupervisorWithoutDebugInfoIsNamedInTheWarnings() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try AppupSupport.release("kinder", version: 1, at: directory.appendingPathComponent("old"), in: directory)
        let new = try AppupSupport.release("kinder", version: 2, at: directory.appendingPathComponent("new"), in: directory)
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--dry-run"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("kinder: the children of supervisor kinder_sup cannot be read from its beam (it was compiled without debug_info)"))
        #expect(result.standardError.contains("{apply, {supervisor, restart_child, [Sup, Id]}} after {update, kinder_sup, supervisor}"))
    }

    @Test func elixirChildIdsFollowElixirsChildSpecRules() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try ErlangOracle.runProgram(try ErlangOracle.executable("elixirc"),
                                    ["-o", directory.path, ErlangBuild.fixture("elixir-supervisors/supervisors.ex").path])
        let children = try SupervisorChildren.read(BeamFile(path: directory.appendingPathComponent("Elixir.Kids.Static.beam").path), module: "Elixir.Kids.Static")
        #expect(children.ids == [.atom("Elixir.Kids.Worker"), .atom("Elixir.Kids.Other"), .atom("second_worker"), .atom("by_map")])
        #expect(children.reference == .atom("Elixir.Kids.Top"))
        #expect(throws: SupervisorChildren.Unreadable.self) {
            try SupervisorChildren.read(BeamFile(path: directory.appendingPathComponent("Elixir.Kids.Computed.beam").path), module: "Elixir.Kids.Computed")
        }
    }
}
