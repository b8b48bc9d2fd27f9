import ErlangTerm
import Testing
import TestSupport

/// The cursor passes over a term exactly as far as decoding reads it, and refuses what decoding refuses.
@Suite struct ETFCursorTests {
    /// `[Term, Sentinel]`: after skipping the first element the cursor must stand on the sentinel atom.
    @Test func skippingAGeneratedTermLandsOnTheNextTerm() throws {
        var generator = TermGenerator(seed: 0xC0_5702)
        var terms = (0..<2000).map { _ in generator.term() }
        terms.append(generator.deep(150))
        for (index, term) in terms.enumerated() {
            do {
                // (Compressed input is read by the same walk after inflating; the debug-info oracle test covers it:
                // erlc compresses the Dbgi chunk.)
                let bytes = ExternalTermFormat.encode(.list([term, .atom("sentinel")]))
                var cursor = try ExternalTermFormat.Cursor(bytes)
                let header = try #require(try cursor.listHeader())
                #expect(header.count == 2 && header.hasTail)
                let start = cursor.mark
                try cursor.skip()
                let afterSkip = cursor.mark
                #expect(try cursor.atom() == "sentinel", "term \(index): skipping \(TermWriter.render(term).prefix(200)) stopped elsewhere")
                cursor.rewind(to: start)
                #expect(try cursor.term() == term, "term \(index): decoded after a rewind differently")
                #expect(cursor.mark == afterSkip, "term \(index): decoding read \(cursor.mark - start) bytes, skipping \(afterSkip - start)")
            }
        }
    }

    @Test func skippingACutTermFailsAsDecodingDoes() throws {
        let bytes = ExternalTermFormat.encode(.tuple([.atom("a"), .list([.integer(1), .binary([1, 2, 3])]), .string("text")]))
        for cut in 2..<bytes.count {
            let prefix = Array(bytes[0..<cut])
            var cursor = try ExternalTermFormat.Cursor(prefix)
            #expect(throws: ErlangTermError.self) { try cursor.skip() }
            #expect(throws: ErlangTermError.self) { try ExternalTermFormat.decode(prefix) }
        }
    }
}
