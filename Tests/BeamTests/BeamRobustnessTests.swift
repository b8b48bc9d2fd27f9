import Beam
import Foundation
import TestSupport
import Testing

/// Bad BEAM input ends in a `BeamError` that names the file: never a crash.
@Suite struct BeamRobustnessTests {
    /// The smallest beam of at least 1 KB in the installed OTP, so that every prefix can be tried.
    static func smallBeam() throws -> String {
        let root = try ErlangOracle.otpRoot()
        let beams = ErlangOracle.files(under: root + "/lib") { $0.hasSuffix(".beam") }
        let sized = beams.compactMap { path -> (String, Int)? in
            guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size >= 1024 else { return nil }
            return (path, size)
        }
        return try #require(sized.min { $0.1 < $1.1 }).0
    }

    static func read(_ bytes: [UInt8]) -> Result<BeamModule, BeamError> {
        Result { () throws(BeamError) in try BeamModule(file: BeamFile(bytes: bytes, path: "probe.beam")) }
    }

    @Test func everyPrefixOfABeamIsReadOrRefusedWithTheFileNamed() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.smallBeam())))
        #expect(throws: Never.self) { try Self.read(bytes).get() }
        for length in 0..<bytes.count {
            if case .failure(let error) = Self.read(Array(bytes.prefix(length))) {
                #expect(error.description.hasPrefix("probe.beam: "))
            }
        }
    }

    @Test func everyByteFlipOfABeamIsReadOrRefused() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.smallBeam())))
        for position in 0..<bytes.count {
            for change: UInt8 in [0xFF, 0x01, 0x80] {
                var mutated = bytes
                mutated[position] ^= change
                _ = Self.read(mutated)
            }
        }
    }

    @Test func gzipPrefixesAndFlipsAreRefused() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try Self.smallBeam()
        let compressed = directory.appendingPathComponent("c.beam").path
        _ = try ErlangOracle.evaluate("{ok, B} = file:read_file(\"\(source)\"), ok = file:write_file(\"\(compressed)\", zlib:gzip(B))")
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: compressed)))
        for length in 2..<bytes.count { _ = Self.read(Array(bytes.prefix(length))) }
        for position in 0..<bytes.count {
            var mutated = bytes
            mutated[position] ^= 0x55
            _ = Self.read(mutated)
        }
    }

    static let cases: [(bytes: [UInt8], reason: BeamError.Reason)] = [
        (Array("not a beam at all".utf8), .notABeamFile),
        (Array("FOR1".utf8) + [0, 0, 0, 4] + Array("BEAX".utf8), .notABeamFile),
        (Array("FOR1".utf8) + [0, 0, 0, 12] + Array("BEAMAtU8".utf8) + [0, 0], .invalidBeamFile(offset: 12)),
        (Array("FOR1".utf8) + [0, 0, 0, 20] + Array("BEAMAtU8".utf8) + [0xFF, 0xFF, 0xFF, 0xF0, 1, 2, 3, 4], .chunkTooBig(id: "AtU8", size: 0xFFFF_FFF0, available: 4)),
        // beam_lib names the atom table "Atom" when neither "Atom" nor "AtU8" is there.
        (Array("FOR1".utf8) + [0, 0, 0, 4] + Array("BEAM".utf8), .missingChunk(id: "Atom")),
        ([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3], .corruptCompression(detail: "unexpected end of compressed data")),
    ]

    @Test(arguments: cases)
    func badInputGivesOTPsReason(_ testCase: (bytes: [UInt8], reason: BeamError.Reason)) {
        guard case .failure(let error) = Self.read(testCase.bytes) else {
            Issue.record("accepted \(testCase.bytes)")
            return
        }
        if case .corruptCompression = testCase.reason, case .corruptCompression = error.reason {
            return
        }
        #expect(error.reason == testCase.reason, "\(error)")
        #expect(error.path == "probe.beam")
    }

    @Test func missingFileNamesThePathAndTheReason() {
        #expect {
            _ = try BeamFile(path: "/nonexistent/dir/x.beam")
        } throws: { error in
            (error as? BeamError)?.description == "/nonexistent/dir/x.beam: cannot read the file: No such file or directory"
        }
    }
}
