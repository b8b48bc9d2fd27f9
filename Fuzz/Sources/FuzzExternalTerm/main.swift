import FuzzSupport
import ErlangTerm

/// binary_to_term: every input decodes or is refused; what decodes encodes and decodes to the same term.
runFuzzer { bytes in
    guard let term = try? ExternalTermFormat.decode(bytes) else { return }
    let encoded = ExternalTermFormat.encode(term)
    guard let again = try? ExternalTermFormat.decode(encoded) else { fatalError("an encoded term does not decode") }
    precondition(Term.compare(again, term) == 0, "a term changed through encode and decode")
    _ = TermWriter.render(term)
}
