import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Properties checked against OTP for thousands of generated terms:
/// our writer's text is read back by `file:consult/1` as the same term, and our encoding is
/// byte-identical to `term_to_binary/1` (OTP 25 default) and to `[{minor_version, 2}]` (OTP 26 form).
@Suite struct GeneratedTermOracleTests {
    static func generatedTerms() -> [Term] {
        var generator = TermGenerator(seed: 0x5EED_2026)
        var terms = (0..<3000).map { _ in generator.term() }
        for depth in [20, 60, 150] { terms.append(generator.deep(depth)) }
        return terms
    }

    @Test func writerOutputIsConsultedAsTheSameTermAndEncodingMatchesTermToBinary() throws {
        let terms = Self.generatedTerms()
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("generated.terms")
        try Data(TermWriter.fileContents(terms).utf8).write(to: file)

        let text = TermWriter.fileContents(terms)
        let answers = try ErlangOracle.ask("encode", items: [file.path])
        if answers.count == 1, answers[0].hasPrefix("ERROR {"),
           let line = Int(answers[0].dropFirst(7).prefix { $0.isNumber }) {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            Issue.record("file:consult/1 rejected line \(line) of our output: \(lines[max(0, line - 1)].prefix(300))")
        }
        try #require(answers.count == terms.count, "file:consult/1 answered \(answers.first ?? "nothing")")
        var failures = 0
        for (index, (term, answer)) in zip(terms, answers).enumerated() where failures < 10 {
            let parts = answer.split(separator: " ")
            try #require(parts.count == 2, "term \(index): unexpected oracle line \(answer.prefix(200))")
            let consulted = try ErlangOracle.term(fromHex: parts[0])
            if consulted != term {
                failures += 1
                Issue.record("term \(index): we wrote \(TermWriter.render(term)) and file:consult read \(TermWriter.render(consulted))")
            }
            let ours25 = ErlangOracle.hex(ExternalTermFormat.encode(term, options: ErlangOracle.defaultEncoding))
            if !ErlangOracle.sameEncoding(ours: ours25, otp: String(parts[0]), of: term) {
                failures += 1
                Issue.record("term \(index) \(TermWriter.render(term).prefix(300)): term_to_binary/1's encoding on OTP \(ErlangOracle.otpRelease) differs\n ours \(ours25.prefix(400))\n OTP  \(parts[0].prefix(400))")
            }
            let ours26 = ErlangOracle.hex(ExternalTermFormat.encode(term, options: ErlangOracle.otpRelease >= 27 ? .otp27 : .otp26))
            if !ErlangOracle.sameEncoding(ours: ours26, otp: String(parts[1]), of: term) {
                failures += 1
                Issue.record("term \(index) \(TermWriter.render(term).prefix(300)): OTP 26 encoding differs\n ours \(ours26.prefix(400))\n OTP  \(parts[1].prefix(400))")
            }
        }
    }

    @Test func writerOutputIsReadBackByOurReader() throws {
        let terms = Self.generatedTerms()
        let text = TermWriter.fileContents(terms)
        let read = try TermReader.parse(text)
        #expect(read.count == terms.count)
        for (index, (original, back)) in zip(terms, read).enumerated() where original != back {
            Issue.record("term \(index): wrote \(TermWriter.render(original)), read \(TermWriter.render(back))")
        }
    }

    @Test func ourDecoderReadsWhatTermToBinaryWrites() throws {
        let terms = Self.generatedTerms()
        for (index, term) in terms.enumerated() {
            for options in [ExternalTermFormat.EncodingOptions.otp25, .otp26] {
                let decoded = try ExternalTermFormat.decode(ExternalTermFormat.encode(term, options: options))
                #expect(decoded == term, "term \(index)")
            }
        }
    }

    @Test func writerIsDeterministic() {
        let first = TermWriter.fileContents(Self.generatedTerms())
        let second = TermWriter.fileContents(Self.generatedTerms())
        #expect(first == second)
    }
}
