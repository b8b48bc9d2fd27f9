import ErlangTerm
import Foundation
import TestSupport
import Testing

/// generate-upgrade reads back what the node will consult or boot and refuses a broken file before packing it:
/// OTP itself cannot read each of these (the independent side), and no archive or relup is left behind.
@Suite struct PackedFilesTests {
    enum Damage: String, CaseIterable, Sendable {
        case truncatedBoot, bootOfAnotherRelease, sysConfigWithoutFullStop, sysConfigNotAList, vmArgsBinary, appOfAnotherVersion, appupWithoutFullStop

        var file: String {
            switch self {
            case .truncatedBoot, .bootOfAnotherRelease: return "releases/2/start.boot"
            case .sysConfigWithoutFullStop, .sysConfigNotAList: return "releases/2/sys.config"
            case .vmArgsBinary: return "releases/2/vm.args"
            case .appOfAnotherVersion: return "lib/counter-2/ebin/counter.app"
            case .appupWithoutFullStop: return "lib/counter-2/ebin/counter.appup"
            }
        }
        var message: String {
            switch self {
            case .truncatedBoot: return "is not a boot file"
            case .bootOfAnotherRelease: return "boots release counter 1, not counter 2"
            case .sysConfigWithoutFullStop: return "sys.config"
            case .sysConfigNotAList: return "is not a list"
            case .vmArgsBinary: return "is not a text file"
            case .appOfAnotherVersion: return "says counter 1, but the release wants counter 2"
            case .appupWithoutFullStop: return "expected '.' after the term"
            }
        }
    }

    @Test(arguments: Damage.allCases)
    func aBrokenFileIsRefusedBeforeItIsPacked(damage: Damage) throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try GenerateUpgradeTests.counterPair(in: directory)
        let file = new.appendingPathComponent(damage.file)
        var bytes = [UInt8](try Data(contentsOf: file))
        switch damage {
        case .truncatedBoot: bytes = Array(bytes.prefix(bytes.count / 2))
        case .bootOfAnotherRelease: bytes = [UInt8](try Data(contentsOf: old.appendingPathComponent("releases/1/start.boot")))
        case .sysConfigWithoutFullStop: bytes = Array("[{counter, [{interval, 100}]}]\n".utf8)
        case .sysConfigNotAList: bytes = Array("{counter, [{interval, 100}]}.\n".utf8)
        case .vmArgsBinary: bytes = [0x2d, 0x73, 0x6e, 0x61, 0x6d, 0x65, 0x00, 0xff, 0xfe]
        case .appOfAnotherVersion: bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "{vsn,\"2\"}", with: "{vsn,\"1\"}").utf8)
        case .appupWithoutFullStop: bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "}.", with: "}").utf8)
        }
        try Data(bytes).write(to: file)
        let out = directory.appendingPathComponent("out")
        let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", out.path])
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains(file.path) && result.standardError.contains(damage.message), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("counter_2.tar.gz").path), "no archive")
        #expect(!FileManager.default.fileExists(atPath: new.appendingPathComponent("releases/2/relup").path), "no relup")
        // The check runs beside the archive's first entries: the directory the archive was started in, which the
        // command made, is removed with it, and no temporary file is left beside the relup.
        #expect(!FileManager.default.fileExists(atPath: out.path), "the output directory made for the archive is removed")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: new.appendingPathComponent("releases/2").path).filter { $0.contains(".relswap-") }
        #expect(leftovers.isEmpty, "left in releases/2: \(leftovers)")
        // What OTP makes of the damaged file: it cannot use it either.
        let verdict = try ErlangOracle.evaluate("""
            F = "\(file.path)", \
            R = case filename:extension(F) of \
              ".boot" -> {ok, B} = file:read_file(F), try binary_to_term(B) of {script, {N, V}, _} -> {script, N, V}; _ -> bad catch _:_ -> bad end; \
              ".args" -> {ok, B} = file:read_file(F), case unicode:characters_to_list(B) of L when is_list(L) -> case lists:member(0, L) of true -> bad; false -> ok end; _ -> bad end; \
              _ -> case file:consult(F) of {ok, [T]} when is_list(T) -> ok; {ok, [{application, _, Keys}]} -> proplists:get_value(vsn, Keys); _ -> bad end \
            end, io:format("~p", [R])
            """)
        switch damage {
        case .bootOfAnotherRelease: #expect(verdict == "{script,\"counter\",\"1\"}")
        case .appOfAnotherVersion: #expect(verdict == "\"1\"")
        default: #expect(verdict == "bad", "OTP reads \(damage.file) as \(verdict)")
        }
    }

    /// An application the new .rel lists but the release lacks: the applications are read beside the archive, and
    /// their failure, not the archive's stop, is what is reported; nothing is left behind.
    @Test func anApplicationMissingFromTheReleaseIsNamed() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try GenerateUpgradeTests.counterPair(in: directory)
        try FileManager.default.removeItem(at: new.appendingPathComponent("lib/counter-2"))
        let out = directory.appendingPathComponent("out")
        let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", out.path])
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("application counter 2 of release counter 2 was not found; the release's lib directory must hold counter-2"),
                "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out.path), "the output directory made for the archive is removed")
        let left = try FileManager.default.contentsOfDirectory(atPath: new.appendingPathComponent("releases/2").path).filter { $0.contains("relup") }
        #expect(left.isEmpty, "\(left)")
    }

    /// --output naming a file is said to be that, not blamed on the relup.
    @Test func anOutputThatIsAFileIsNamed() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try GenerateUpgradeTests.counterPair(in: directory)
        let file = directory.appendingPathComponent("a-file")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        let result = try Products.run("relswap", ["generate-upgrade", "--previous", old.path, "--current", new.path, "--output", file.path])
        #expect(result.status == 2)
        #expect(result.standardError.contains("\(file.path): is a file, not a directory; --output names the directory"), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: new.appendingPathComponent("releases/2/relup").path))
    }
}
