/// A minimal JSON writer for `inspect` alone: objects keep the key order they are given (callers give sorted keys),
/// so output is byte-identical from run to run; it renders each file's object on a worker thread, without
/// Foundation's encoder and its cost, and inspect's values are all strings. Every other command uses `JSONOutput`.
/// It writes UTF-8 bytes into one buffer: appending to a `String` piece by piece was most of its time.
enum JSONValue {
    case string(String)
    case strings([String])
    case object([(String, JSONValue)])
    case array([JSONValue])
    /// An array of `count` strings, each written as UTF-8 by `element` (and quoted as it is copied out): for the
    /// hundreds of thousands of imports and exports of a release, which are never needed as `String`s.
    case generated(count: Int, element: (Int, inout [UInt8]) -> Void)

    /// Pretty-printed with two-space indentation, as UTF-8.
    func bytes(indent: Int = 0) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(4096)
        write(into: &output, indent: indent)
        return output
    }

    private static func pad(_ output: inout [UInt8], _ level: Int) {
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
    }

    private func write(into output: inout [UInt8], indent: Int) {
        switch self {
        case .string(let value):
            JSONValue.appendQuoted(value, into: &output)
        case .strings(let values):
            JSONValue.container(into: &output, indent: indent, brackets: "[]", count: values.count) { output, index in
                JSONValue.appendQuoted(values[index], into: &output)
            }
        case .generated(let count, let element):
            var text = [UInt8]()
            JSONValue.container(into: &output, indent: indent, brackets: "[]", count: count) { output, index in
                text.removeAll(keepingCapacity: true)
                element(index, &text)
                text.withUnsafeBufferPointer { JSONValue.appendQuoted($0, into: &output) }
            }
        case .array(let values):
            JSONValue.container(into: &output, indent: indent, brackets: "[]", count: values.count) { output, index in
                values[index].write(into: &output, indent: indent + 1)
            }
        case .object(let members):
            JSONValue.container(into: &output, indent: indent, brackets: "{}", count: members.count) { output, index in
                JSONValue.appendQuoted(members[index].0, into: &output)
                output.append(contentsOf: ": ".utf8)
                members[index].1.write(into: &output, indent: indent + 1)
            }
        }
    }

    /// An array or object of `count` elements, one per line at `indent + 1`, each written by `element`.
    private static func container(into output: inout [UInt8], indent: Int, brackets: StaticString, count: Int,
                                  element: (inout [UInt8], Int) -> Void) {
        let open = brackets.utf8Start[0], close = brackets.utf8Start[1]
        guard count > 0 else { output.append(contentsOf: [open, close]); return }
        output.append(contentsOf: [open, UInt8(ascii: "\n")])
        for index in 0..<count {
            pad(&output, indent + 1)
            element(&output, index)
            output.append(contentsOf: (index == count - 1 ? "\n" : ",\n").utf8)
        }
        pad(&output, indent)
        output.append(close)
    }

    static func appendQuoted(_ value: String, into output: inout [UInt8]) {
        var value = value
        value.withUTF8 { appendQuoted($0, into: &output) }
    }

    /// UTF-8 text as a JSON string: bytes of multi-byte characters (all 0x80 and above) pass as they are.
    static func appendQuoted(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        guard bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            output.append(contentsOf: bytes)
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\n"): output.append(contentsOf: "\\n".utf8)
            case UInt8(ascii: "\r"): output.append(contentsOf: "\\r".utf8)
            case UInt8(ascii: "\t"): output.append(contentsOf: "\\t".utf8)
            case ..<0x20:
                let hex = String(byte, radix: 16)
                output.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
