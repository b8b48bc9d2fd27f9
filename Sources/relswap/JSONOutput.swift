import Foundation

/// `--json` output of the commands: Codable values encoded by Foundation's JSONEncoder, pretty-printed with sorted,
/// snake_case keys, so that the same result always gives the same bytes and types are JSON's own (booleans,
/// numbers, null). `inspect` alone keeps the hand-written `JSONValue` writer: it renders thousands of files on
/// every core and holds only strings (see docs/inspect.md).
enum JSONOutput {
    static func text(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            // Only non-finite floats fail to encode, and no report holds one.
            preconditionFailure("JSON encoding of a report failed: \(error)")
        }
    }

    /// `{"error": ..., "status": N}`, printed on failure.
    struct Failure: Encodable {
        var error: String
        var status: Int32
    }
}

/// An optional written as JSON `null` when absent (Codable's synthesized encoding would leave the key out), so that
/// every object of a schema has every key.
@propertyWrapper
struct Nullable<Value: Encodable>: Encodable {
    var wrappedValue: Value?
    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
