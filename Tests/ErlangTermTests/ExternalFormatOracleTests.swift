import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Terms only a running node can make (pids, references, ports, funs, big and compressed terms):
/// we decode what `term_to_binary/1` writes, and encode it back to the same bytes.
@Suite struct ExternalFormatOracleTests {
    @Test func nodeMadeTermsDecodeAndEncodeBackByteForByte() throws {
        let answers = try ErlangOracle.ask("produce", items: [])
        try #require(answers.count >= 25)
        for (index, answer) in answers.enumerated() {
            let parts = answer.split(separator: " ").map(String.init)
            try #require(parts.count == 3)
            let plain = try #require(ErlangOracle.bytes(fromHex: parts[0]))
            let compressed = try #require(ErlangOracle.bytes(fromHex: parts[1]))
            let term = try ExternalTermFormat.decode(plain)
            #expect(ErlangOracle.hex(ExternalTermFormat.encode(term, options: ErlangOracle.defaultEncoding)) == parts[0], "term \(index) (OTP \(ErlangOracle.otpRelease)): \(TermWriter.render(term).prefix(200))")
            #expect(ErlangOracle.hex(ExternalTermFormat.encode(term, options: ErlangOracle.otpRelease >= 27 ? .otp27 : .otp26)) == parts[2], "term \(index) with minor_version 2")
            #expect(try ExternalTermFormat.decode(compressed) == term, "term \(index) compressed")
        }
    }

    /// Our encodings, handed to `binary_to_term/1`, give back the terms we meant.
    @Test func binaryToTermReadsOurEncodingAsTheSameTerm() throws {
        var generator = TermGenerator(seed: 7)
        let terms = (0..<500).map { _ in generator.term() }
        let hexes = terms.map { ErlangOracle.hex(ExternalTermFormat.encode($0, options: .otp26)) }
        let answers = try ErlangOracle.ask("decode", items: hexes)
        try #require(answers.count == terms.count)
        for (index, (term, answer)) in zip(terms, answers).enumerated() {
            #expect(try ErlangOracle.term(fromHex: answer) == .tuple([.atom("ok"), term]), "term \(index)")
        }
    }

    /// Where OTP's binary_to_term/1 refuses bytes, we refuse them too (and never crash).
    @Test func malformedBinariesAreRefusedWhereBinaryToTermRefusesThem() throws {
        var random = SeededRandom(seed: 99)
        var generator = TermGenerator(seed: 100)
        var inputs = [[UInt8]]()
        for _ in 0..<2000 {
            var bytes = ExternalTermFormat.encode(generator.term(), options: .otp25)
            let position = Int.random(in: 1..<bytes.count, using: &random)
            switch Int.random(in: 0...2, using: &random) {
            case 0: bytes = Array(bytes.prefix(position))
            case 1: bytes[position] = UInt8.random(in: 0...255, using: &random)
            default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
            }
            inputs.append(bytes)
        }
        let answers = try ErlangOracle.ask("decode", items: inputs.map(ErlangOracle.hex))
        try #require(answers.count == inputs.count)
        for (index, (input, answer)) in zip(inputs, answers).enumerated() {
            let expected = try ErlangOracle.term(fromHex: answer)
            let ours = Result { () throws(ErlangTermError) in try ExternalTermFormat.decode(input) }
            switch ours {
            case .success(let term):
                #expect(expected == .tuple([.atom("ok"), term]), "input \(index) \(ErlangOracle.hex(input)): OTP says \(TermWriter.render(expected).prefix(200)), we read \(TermWriter.render(term).prefix(200))")
            case .failure(let error):
                #expect(expected == .atom("badarg"), "input \(index) \(ErlangOracle.hex(input)): OTP reads it but we fail: \(error)")
            }
        }
    }
}

@Suite struct ExternalFormatErrorTests {
    static let cases: [(bytes: [UInt8], offset: Int, fragment: String)] = [
        ([], 0, "empty input"),
        ([130, 97, 1], 0, "expected the version byte 131"),
        ([131, 108, 0xFF, 0xFF, 0xFF, 0xFF, 106], 6, "declares 4294967295 elements but only 1 bytes remain"),
        ([131, 109, 0, 0, 0, 10, 1, 2], 6, "truncated BINARY_EXT"),
        ([131, 200], 1, "unknown term tag 200"),
        ([131, 82, 0], 1, "ATOM_CACHE_REF"),
        ([131, 80, 0, 0, 0, 10, 1, 2, 3], 6, "corrupt compressed term"),
        ([131, 80, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3], 2, "more than the 268435456 allowed"),
        ([131, 116, 0, 0, 0, 2, 97, 1, 97, 2, 97, 1, 97, 3], 1, "duplicate key"),
    ]

    @Test(arguments: cases)
    func badInputNamesTheByteOffset(_ testCase: (bytes: [UInt8], offset: Int, fragment: String)) {
        #expect {
            _ = try ExternalTermFormat.decode(testCase.bytes, file: "start.boot")
        } throws: { error in
            guard let error = error as? ErlangTermError else { return false }
            #expect(error.location == .byte(testCase.offset), "\(error)")
            #expect(error.message.contains(testCase.fragment), "\(error)")
            #expect(error.description.hasPrefix("start.boot: byte \(testCase.offset): "))
            return true
        }
    }

    @Test func deepNestingIsAnErrorNotAStackOverflow() {
        let depth = 100_000
        let bytes: [UInt8] = [131] + Array(repeating: [104, 1], count: depth).flatMap { $0 } + [106]
        #expect(throws: ErlangTermError.self) { try ExternalTermFormat.decode(bytes) }
        let text = String(repeating: "{", count: depth) + String(repeating: "}", count: depth) + "."
        #expect(throws: ErlangTermError.self) { try TermReader.parse(text) }
    }
}
