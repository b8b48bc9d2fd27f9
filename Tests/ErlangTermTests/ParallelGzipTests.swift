import Foundation
import SystemSupport
import TestSupport
import Testing

/// gzip made on every core, by ISA-L (fast, default) or zlib (best): one member, read back whole by zlib, by
/// `gzip -t` and by OTP's zlib:gunzip/1 (as erl_tar reads it).
@Suite struct ParallelGzipTests {
    static func compress(_ input: [UInt8], _ compression: Compression = .default) throws -> [UInt8] {
        var output = [UInt8]()
        let gzip = try ParallelGzip(compression: compression) { output += $0 }
        // Fed in uneven slices, as libarchive's callback feeds it.
        var offset = 0, slice = 1
        while offset < input.count {
            let end = min(input.count, offset + slice)
            try input[offset..<end].withUnsafeBytes { try gzip.write($0) }
            offset = end
            slice = slice * 7 % 100_003 + 1
        }
        try gzip.finish()
        return output
    }

    static let sizes = [0, 1, ParallelGzip.pieceSize - 1, ParallelGzip.pieceSize, ParallelGzip.pieceSize + 1, 9 * ParallelGzip.pieceSize + 12_345]

    @Test(arguments: sizes, Compression.allCases)
    func piecesJoinIntoOneStream(size: Int, compression: Compression) throws {
        var random = SeededRandom(seed: UInt64(size) + 1)
        // Text-like data with repeats, so that the pieces compress.
        let words = (0..<500).map { _ in Array("w\(UInt32.random(in: 0...9999, using: &random)) ".utf8) }
        var input = [UInt8]()
        while input.count < size { input += words[Int.random(in: 0..<words.count, using: &random)] }
        input = Array(input.prefix(size))
        let compressed = try Self.compress(input, compression)
        #expect(try Zlib.inflate(compressed, container: .gzip, limit: size + 1) == input)
        #expect(try Self.compress(input, compression) == compressed, "the same bytes every time")
    }

    /// Each worker keeps its ISA-L working memory from piece to piece, uncleared: every piece must still deflate
    /// exactly as it does with fresh, zeroed memory. Pieces of text follow pieces of random bytes (and the other way
    /// round), so that the memory a piece starts with holds another input's hash entries.
    @Test(arguments: [Compression.fast, .default])
    func reusedWorkingMemoryDeflatesAsFreshMemoryDoes(compression: Compression) throws {
        var random = SeededRandom(seed: 7)
        let words = (0..<300).map { _ in Array("v\(UInt32.random(in: 0...99_999, using: &random)) ".utf8) }
        var pieces = [[UInt8]]()
        // Twelve whole pieces and a short last one (the final block).
        for index in 0..<13 {
            var piece = [UInt8]()
            if index == 12 {
                piece = Array(words.joined().prefix(1000))
            } else if index % 3 == 0 {
                piece = (0..<ParallelGzip.pieceSize).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                while piece.count < ParallelGzip.pieceSize { piece += words[Int.random(in: 0..<words.count, using: &random)] }
                piece = Array(piece.prefix(ParallelGzip.pieceSize))
            }
            pieces.append(piece)
        }
        let compressed = try Self.compress(pieces.flatMap { $0 }, compression)
        var expected = [UInt8]()
        for (index, piece) in pieces.enumerated() {
            var fresh = ParallelGzip.Scratch(levelBuffer: [UInt8](repeating: 0, count: max(1, ParallelGzip.levelBufferSize(compression))))
            expected += ParallelGzip.deflate(piece, compression: compression, final: index == pieces.count - 1, scratch: &fresh)
        }
        #expect(Array(compressed.dropFirst(10).dropLast(8)) == expected)
    }

    /// Random bytes do not compress: the deflate output is larger than its input, in every piece.
    @Test(arguments: Compression.allCases)
    func incompressibleInputGrowsAndStillReadsBack(compression: Compression) throws {
        var random = SeededRandom(seed: 99)
        let input = (0..<(3 * ParallelGzip.pieceSize + 5)).map { _ in UInt8.random(in: 0...255, using: &random) }
        let compressed = try Self.compress(input, compression)
        #expect(compressed.count > input.count)
        #expect(try Zlib.inflate(compressed, container: .gzip, limit: input.count + 1) == input)
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("random.gz")
        try Data(compressed).write(to: file)
        let tested = try ErlangOracle.runCapturing(try ErlangOracle.executable("gzip"), ["-t", file.path])
        #expect(tested.status == 0, "gzip -t: \(tested.standardError)")
    }

    @Test(arguments: Compression.allCases)
    func otpsGunzipReadsItWhole(compression: Compression) throws {
        let input = Array((0..<(5 * ParallelGzip.pieceSize + 77)).map { UInt8(truncatingIfNeeded: $0 * 31 / 7) })
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("data.gz")
        try Data(try Self.compress(input, compression)).write(to: file)
        let raw = directory.appendingPathComponent("data.raw")
        try Data(input).write(to: raw)
        let answer = try ErlangOracle.evaluate("""
            {ok, B} = file:read_file("\(file.path)"), {ok, R} = file:read_file("\(raw.path)"), \
            io:format("~p ~p", [byte_size(zlib:gunzip(B)), zlib:gunzip(B) =:= R])
            """)
        #expect(answer == "\(input.count) true")
    }
}
