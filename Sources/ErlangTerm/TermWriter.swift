/// Writes terms as Erlang source text that `file:consult/1` reads back as the same term.
///
/// The layout is stable (the same term always gives the same bytes) and close to `~tp`: a term that fits
/// in the line width stays on one line; otherwise tuples tagged with an atom keep the tag on the first line
/// and align the rest under the first element after it, and lists put one element per line.
/// Lists of printable characters are written as strings, as `io_lib:printable_unicode_list/1` decides.
/// Pids, ports, references and local funs have no source syntax; they are written in the `#Ref<...>`
/// style for people to read, and cannot be read back.
public enum TermWriter {
    /// The default line width, as `~p` uses.
    public static let defaultLineWidth = 80

    /// A whole term file: a `coding` line, then each term followed by `.` and a newline.
    public static func fileContents(_ terms: [Term], lineWidth: Int = defaultLineWidth) -> String {
        var text = "%% coding: utf-8\n"
        for term in terms {
            text += pretty(term, lineWidth: lineWidth)
            text += ".\n"
        }
        return text
    }

    /// The term laid out over several lines where it does not fit in `lineWidth` columns.
    public static func pretty(_ term: Term, lineWidth: Int = defaultLineWidth) -> String {
        var output = ""
        layout(term, column: 0, width: lineWidth, into: &output)
        return output
    }

    /// The term on one line, with no spaces but those around `=>` (as `~w`-style output, but with strings).
    public static func render(_ term: Term) -> String {
        var output = ""
        flat(term, into: &output)
        return output
    }

    // MARK: Layout

    private static func layout(_ term: Term, column: Int, width: Int, into output: inout String) {
        let single = render(term)
        if column + single.count <= width {
            output += single
            return
        }
        switch term {
        case .tuple(let elements) where !elements.isEmpty:
            if elements.count >= 2, case .atom(let tag) = elements[0] {
                let head = "{" + atomText(tag) + ","
                output += head
                layoutSequence(elements.dropFirst(), column: column + head.count, width: width, into: &output)
            } else {
                output += "{"
                layoutSequence(elements[...], column: column + 1, width: width, into: &output)
            }
            output += "}"
        case .list(let elements) where !elements.isEmpty && !isPrintable(elements):
            output += "["
            layoutSequence(elements[...], column: column + 1, width: width, into: &output)
            output += "]"
        case .improperList(let elements, let tail):
            output += "["
            layoutSequence(elements[...], column: column + 1, width: width, into: &output)
            output += "|"
            layout(tail, column: column + 1, width: width, into: &output)
            output += "]"
        case .map(let entries) where !entries.isEmpty:
            output += "#{"
            for (index, entry) in entries.enumerated() {
                if index > 0 { output += ",\n" + String(repeating: " ", count: column + 2) }
                let key = render(entry.key) + " => "
                output += key
                layout(entry.value, column: column + 2 + key.count, width: width, into: &output)
            }
            output += "}"
        default:
            output += single
        }
    }

    private static func layoutSequence(_ elements: ArraySlice<Term>, column: Int, width: Int, into output: inout String) {
        var first = true
        for element in elements {
            if !first { output += ",\n" + String(repeating: " ", count: column) }
            first = false
            layout(element, column: column, width: width, into: &output)
        }
    }

    // MARK: Flat text

    private static func flat(_ term: Term, into output: inout String) {
        switch term {
        case .atom(let name):
            output += atomText(name)
        case .integer(let value):
            output += String(value)
        case .bigInteger(let value):
            // Decimal text costs the square of the length: beyond 4,096 limbs (some 39,000 digits) the value is
            // written in base 16 (16#...), which Erlang reads back as the same integer, in linear time.
            output += value.limbCount > 4096 ? (value.isNegative ? "-16#" : "16#") + value.negatedIfNegative.text(radix: 16) : value.text()
        case .float(let value):
            output += floatText(value)
        case .string(let text):
            if isPrintable(text.unicodeScalars.lazy.map(\.value)) {
                output += stringLiteral(text)
            } else {
                flatList(text.unicodeScalars.map { .integer(Int($0.value)) }, tail: nil, into: &output)
            }
        case .list(let elements):
            if !elements.isEmpty, isPrintable(elements), let text = term.stringValue {
                output += stringLiteral(text)
            } else {
                flatList(elements, tail: nil, into: &output)
            }
        case .improperList(let elements, let tail):
            flatList(elements, tail: tail, into: &output)
        case .binary(let bytes):
            output += binaryText(bytes)
        case .bitstring(let bytes, let trailingBits):
            output += "<<"
            output += bytes.dropLast().map { String($0) }.joined(separator: ",")
            if bytes.count > 1 { output += "," }
            let last = (bytes.last ?? 0) >> UInt8(8 - trailingBits)
            output += "\(last):\(trailingBits)>>"
        case .tuple(let elements):
            output += "{"
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                flat(element, into: &output)
            }
            output += "}"
        case .map(let entries):
            output += "#{"
            for (index, entry) in entries.enumerated() {
                if index > 0 { output += "," }
                flat(entry.key, into: &output)
                output += " => "
                flat(entry.value, into: &output)
            }
            output += "}"
        case .pid(let pid):
            output += "#Pid<\(pid.node).\(pid.id).\(pid.serial)>"
        case .port(let port):
            output += "#Port<\(port.node).\(port.id)>"
        case .reference(let reference):
            output += "#Ref<\(reference.node)." + reference.ids.reversed().map { String($0) }.joined(separator: ".") + ">"
        case .fun(let fun):
            output += "#Fun<\(fun.module).\(fun.index)>"
        case .export(let module, let function, let arity):
            output += "fun \(atomText(module)):\(atomText(function))/\(arity)"
        }
    }

    private static func flatList(_ elements: [Term], tail: Term?, into output: inout String) {
        output += "["
        for (index, element) in elements.enumerated() {
            if index > 0 { output += "," }
            flat(element, into: &output)
        }
        if let tail {
            output += "|"
            flat(tail, into: &output)
        }
        output += "]"
    }

    // MARK: Atoms, strings, numbers, binaries

    /// Atoms that must be quoted even though they look like plain names.
    private static let keywordAtoms: Set<String> = TermScanner.reservedWords.union(["maybe", "else"])

    /// The atom as Erlang source: bare where Erlang allows it, otherwise quoted with escapes.
    public static func atomText(_ name: String) -> String {
        if needsQuotes(name) {
            var text = "'"
            for scalar in name.unicodeScalars { appendEscaped(scalar, quote: "'", into: &text) }
            return text + "'"
        }
        return name
    }

    static func needsQuotes(_ name: String) -> Bool {
        // ASCII names (nearly all) are decided on their bytes; keywords are at most 7 letters.
        let plain = name.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard let first = bytes.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else { return false }
            return bytes.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "@")
            }
        }
        if plain == true { return name.utf8.count <= 7 && keywordAtoms.contains(name) }
        guard let first = name.unicodeScalars.first, TermScanner.isAtomStart(first) else { return true }
        if !name.unicodeScalars.allSatisfy(TermScanner.isNameCharacter) { return true }
        return keywordAtoms.contains(name)
    }

    private static func stringLiteral(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars { appendEscaped(scalar, quote: "\"", into: &output) }
        return output + "\""
    }

    private static func appendEscaped(_ scalar: Unicode.Scalar, quote: Unicode.Scalar, into output: inout String) {
        switch scalar {
        case quote: output += "\\" + String(quote)
        case "\\": output += "\\\\"
        case "\n": output += "\\n"
        case "\r": output += "\\r"
        case "\t": output += "\\t"
        case "\u{0B}": output += "\\v"
        case "\u{08}": output += "\\b"
        case "\u{0C}": output += "\\f"
        case "\u{1B}": output += "\\e"
        case "\u{7F}": output += "\\d"
        default:
            if scalar.value < 0x20 || (0x80...0x9F).contains(scalar.value) {
                // Three octal digits, as io_lib writes the other control characters.
                let digits = String(scalar.value, radix: 8)
                output += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
    }

    /// `io_lib:printable_unicode_list/1` for one code.
    static func isPrintable(code: UInt32) -> Bool {
        switch code {
        case 0x20...0x7E, 0xA0..<0xD800, 0xE000..<0xFFFE, 0x10000...0x10FFFF: return true
        case 8...13, 27: return true // \b \t \n \v \f \r \e
        default: return false
        }
    }

    static func isPrintable(_ codes: some Sequence<UInt32>) -> Bool {
        codes.allSatisfy(isPrintable(code:))
    }

    static func isPrintable(_ elements: [Term]) -> Bool {
        elements.allSatisfy { element in
            guard case .integer(let code) = element, let value = UInt32(exactly: code) else { return false }
            return isPrintable(code: value)
        }
    }

    /// Shortest text that reads back as the same double, in Erlang's float syntax (always a `.`, `e` exponent).
    public static func floatText(_ value: Double) -> String {
        let text = value.description
        let parts = text.split(separator: "e", maxSplits: 1)
        var mantissa = String(parts[0])
        if !mantissa.contains(".") { mantissa += ".0" }
        guard parts.count == 2 else { return mantissa }
        var exponent = String(parts[1])
        if exponent.hasPrefix("+") { exponent.removeFirst() }
        return mantissa + "e" + exponent
    }

    private static func isPrintableLatin1(_ byte: UInt8) -> Bool {
        (0x20...0x7E).contains(byte) || byte >= 0xA0 || (8...13).contains(byte) || byte == 27
    }

    private static func binaryText(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "<<>>" }
        if bytes.contains(where: { $0 >= 0x80 }), let text = String(validating: bytes, as: UTF8.self),
           isPrintable(text.unicodeScalars.lazy.map(\.value)) {
            return "<<" + stringLiteral(text) + "/utf8>>"
        }
        if bytes.allSatisfy(isPrintableLatin1) {
            return "<<" + stringLiteral(String(latin1: bytes)) + ">>"
        }
        return "<<" + bytes.map { String($0) }.joined(separator: ",") + ">>"
    }
}
