import FuzzSupport
import ErlangTerm

/// file:consult text: every input ends in terms or an ErlangTermError, and what is read writes back as text that
/// reads back to the same terms.
runFuzzer { bytes in
    guard let terms = try? TermReader.parse(bytes: bytes) else { return }
    let text = TermWriter.fileContents(terms)
    guard let again = try? TermReader.parse(text) else { fatalError("written text does not read back: \(text.prefix(200))") }
    precondition(again.count == terms.count, "a different number of terms after writing")
}
