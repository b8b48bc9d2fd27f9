import ErlangTerm
import SystemSupport
import Foundation
import TestSupport
import Testing

/// Every prefix and many single-character or single-byte changes of valid input end either in a term
/// or in an `ErlangTermError`: never a crash, never a hang.
@Suite struct RobustnessTests {
    static func zooText() throws -> String {
        try String(contentsOfFile: ErlangOracle.packageRoot.appendingPathComponent("Fixtures/terms/syntax-zoo.config").path, encoding: .utf8)
    }

    @Test func everyPrefixOfATermFileIsReadOrRefused() throws {
        let scalars = Array(try Self.zooText().unicodeScalars)
        var refused = 0
        for length in 0..<scalars.count {
            do {
                _ = try TermReader.parse(String(String.UnicodeScalarView(scalars[0..<length])))
            } catch {
                refused += 1
            }
        }
        #expect(refused > scalars.count / 2, "most prefixes cut a term in half and must be refused")
    }

    @Test func mutatedTermFilesAreReadOrRefused() throws {
        let bytes = Array(try Self.zooText().utf8)
        var random = SeededRandom(seed: 5)
        for _ in 0..<5000 {
            var mutated = bytes
            let position = Int.random(in: 0..<mutated.count, using: &random)
            mutated[position] = UInt8.random(in: 0...255, using: &random)
            _ = try? TermReader.parse(bytes: mutated)
        }
    }

    @Test func everyPrefixAndByteFlipOfAnEncodedTermIsDecodedOrRefused() throws {
        let terms = try TermReader.parse(Self.zooText())
        let encoded = ExternalTermFormat.encode(.list(terms))
        var refusedPrefixes = 0
        for length in 0..<encoded.count {
            if (try? ExternalTermFormat.decode(Array(encoded.prefix(length)))) == nil { refusedPrefixes += 1 }
        }
        #expect(refusedPrefixes == encoded.count, "a strict prefix of one term is never a whole term")
        for position in 0..<encoded.count {
            for change: UInt8 in [0xFF, 0x01, 0x80] {
                var mutated = encoded
                mutated[position] ^= change
                _ = try? ExternalTermFormat.decode(mutated)
            }
        }
    }

    @Test func mutatedCompressedTermsAreDecodedOrRefused() throws {
        let terms = try TermReader.parse(Self.zooText())
        let plain = ExternalTermFormat.encode(.list(terms))
        // A compressed term as term_to_binary(T, [compressed]) lays it out: 131, 80, size, zlib data.
        let size = UInt32(plain.count - 1)
        let compressed: [UInt8] = [131, 80] + withUnsafeBytes(of: size.bigEndian, Array.init) + Zlib.compress(Array(plain.dropFirst()))
        #expect(try ExternalTermFormat.decode(compressed) == .list(terms))
        for length in 0..<compressed.count { _ = try? ExternalTermFormat.decode(Array(compressed.prefix(length))) }
        for position in 0..<compressed.count {
            var mutated = compressed
            mutated[position] ^= 0x55
            _ = try? ExternalTermFormat.decode(mutated)
        }
    }
}
