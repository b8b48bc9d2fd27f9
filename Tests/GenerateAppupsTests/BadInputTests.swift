import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Inputs that used to be accepted and then broke something later: each is refused, naming the file.
@Suite struct BadInputTests {
    static func counterPair(in directory: URL) throws -> (old: URL, new: URL) {
        let old = try AppupSupport.release("counter", version: 1, at: directory.appendingPathComponent("old"), in: directory)
        let new = try AppupSupport.release("counter", version: 2, at: directory.appendingPathComponent("new"), in: directory)
        return (old, new)
    }

    /// An unquoted atom of more than 255 characters: OTP's file:consult refuses it, and so does Relswap's reader.
    @Test func anAtomLongerThan255CharactersIsRefused() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("long.config")
        try "{\(String(repeating: "a", count: 256)), 1}.\n".write(to: file, atomically: true, encoding: .utf8)
        let otp = try ErlangOracle.evaluate("io:format(\"~p\", [element(1, file:consult(\"\(file.path)\"))])")
        #expect(otp == "error")
        let result = try Products.run("relswap", ["inspect", file.path])
        #expect(result.status != 0)
        #expect(result.standardError.contains(file.path) && result.standardError.contains("atom is longer than 255 characters"), "\(result.standardError)")
    }

    /// ebin/counter.beam holding another module: generate-appups would have written {load_module, counter} for it.
    @Test func aBeamHoldingAnotherModuleIsRefused() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try Self.counterPair(in: directory)
        try "-module(impostor).\n".write(to: directory.appendingPathComponent("impostor.erl"), atomically: true, encoding: .utf8)
        try ErlangOracle.runProgram(try ErlangOracle.executable("erlc"), ["-o", directory.path, directory.appendingPathComponent("impostor.erl").path])
        let beam = new.appendingPathComponent("lib/counter-2/ebin/counter.beam")
        try FileManager.default.removeItem(at: beam)
        try FileManager.default.copyItem(at: directory.appendingPathComponent("impostor.beam"), to: beam)
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(beam.path): holds module impostor, not counter"), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: new.appendingPathComponent("lib/counter-2/ebin/counter.appup").path))
        // relswap generate refuses such an application too.
        let generate = try Products.run("relswap", ["generate", "--no-erts", "--name", "counter", "--release-version", "3", "--app", "counter",
                                                    "--lib-dir", new.appendingPathComponent("lib").path, "--target-dir", directory.appendingPathComponent("again").path])
        #expect(generate.status == 1)
        #expect(generate.standardError.contains("holds module impostor, not counter"), "\(generate.standardError)")
    }

    @Test func anOverrideWithAnInvalidRegularExpressionIsRefused() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try Self.counterPair(in: directory)
        let overrides = directory.appendingPathComponent("appups")
        try FileManager.default.createDirectory(at: overrides, withIntermediateDirectories: true)
        let file = overrides.appendingPathComponent("counter.appup")
        try "{\"2\", [{<<\"1(\">>, [{load_module, counter}]}], []}.\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path, "--overrides", overrides.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(file.path): the upgrade entry's version <<\"1(\">> is not a valid regular expression"), "\(result.standardError)")
    }

    @Test func aStartErlDataNamingAMissingVersionIsRefused() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try Self.counterPair(in: directory)
        let data = old.appendingPathComponent("releases/start_erl.data")
        let erts = try String(contentsOf: data, encoding: .utf8).split(separator: " ")[0]
        try "\(erts) 7".write(to: data, atomically: true, encoding: .utf8)
        let result = try AppupSupport.relswap(["generate-appups", "--previous", old.path, "--current", new.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(data.path): names version 7, which has no releases/7/*.rel here"), "\(result.standardError)")
    }
}
