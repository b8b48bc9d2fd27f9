import ErlangTerm
import Foundation
import NodeControl

/// The agent's `--json` output, one schema for every command (docs/agent.md): the command, whether every node is
/// done, the exit status, and each node's outcome in the order the nodes were given.
struct AgentReport: Encodable {
    var command: String
    var ok: Bool
    var exitCode: Int32
    var nodes: [Node]

    struct Node: Encodable {
        var node: String
        /// done, unchanged, failed, rolled_back or skipped.
        var outcome: NodeOutcome.Kind
        var ok: Bool
        var step: String?
        var exitCode: Int32
        var message: String
        var batch: Int?
        var seconds: Double?
        /// `releases`: what the node knows.
        var releases: [Release]?
        /// `call`: the result as JSON (see `JSONValue`) and as Erlang text.
        var result: JSONValue?
        var resultText: String?

        enum CodingKeys: String, CodingKey {
            case node, outcome, ok, step, exitCode = "exit_code", message, batch, seconds, releases, result, resultText = "result_text"
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(node, forKey: .node)
            try container.encode(outcome, forKey: .outcome)
            try container.encode(ok, forKey: .ok)
            // Always present, null when they do not apply: a script reads the same keys for every node.
            if let step { try container.encode(step, forKey: .step) } else { try container.encodeNil(forKey: .step) }
            try container.encode(exitCode, forKey: .exitCode)
            try container.encode(message, forKey: .message)
            if let batch { try container.encode(batch, forKey: .batch) } else { try container.encodeNil(forKey: .batch) }
            if let seconds { try container.encode((seconds * 1000).rounded() / 1000, forKey: .seconds) } else { try container.encodeNil(forKey: .seconds) }
            try container.encodeIfPresent(releases, forKey: .releases)
            if resultText != nil {
                try container.encode(result, forKey: .result)
                try container.encode(resultText, forKey: .resultText)
            }
        }
    }

    struct Release: Encodable {
        var name: String
        var version: String
        var status: String
        var libs: [String]
    }

    enum CodingKeys: String, CodingKey { case command, ok, exitCode = "exit_code", nodes }

    init(command: String, outcomes: [NodeOutcome], exitCode: Int32) {
        self.command = command
        self.exitCode = exitCode
        ok = exitCode == 0
        nodes = outcomes.map { outcome in
            var node = Node(node: outcome.node, outcome: outcome.kind, ok: !outcome.isFailure && outcome.kind != .skipped,
                            step: outcome.step?.rawValue, exitCode: outcome.step?.exitCode ?? 0, message: outcome.message,
                            batch: outcome.batch, seconds: outcome.seconds)
            switch outcome.payload {
            case .releases(let releases)?:
                node.releases = releases.map { Release(name: $0.name, version: $0.version, status: $0.status, libs: $0.libraries.sorted()) }
            case .result(let term)?:
                node.result = JSONValue(term)
                node.resultText = TermWriter.render(term)
            case nil:
                break
            }
            return node
        }
    }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// An Erlang term as JSON: integers and floats as numbers (an integer beyond 2^53 as a string of its digits),
/// `true`/`false` as booleans, other atoms as strings, a UTF-8 binary or a printable list (as
/// `io_lib:printable_unicode_list/1` says) as a string, other
/// binaries as arrays of bytes, lists and tuples as arrays, a map with atom or string keys as an object (others as
/// an array of [key, value] pairs), and pids, references, ports and funs as their Erlang text.
indirect enum JSONValue: Encodable {
    case number(Double), integer(Int), string(String), bool(Bool), array([JSONValue]), object([String: JSONValue])

    init(_ term: Term) {
        switch term {
        case .integer(let value):
            self = abs(value) <= 1 << 53 ? .integer(value) : .string(String(value))
        case .bigInteger:
            self = .string(TermWriter.render(term))
        case .float(let value):
            self = .number(value)
        case .atom("true"):
            self = .bool(true)
        case .atom("false"):
            self = .bool(false)
        case .atom(let name):
            self = .string(name)
        case .binary(let bytes):
            self = String(validating: bytes, as: UTF8.self).map(JSONValue.string) ?? .array(bytes.map { .integer(Int($0)) })
        case .string(let text):
            // A string when io_lib:printable_unicode_list/1 would say so: [1,2,3] stays a list of numbers.
            let printable = text.unicodeScalars.allSatisfy { scalar in
                let code = scalar.value
                return (code >= 32 && code < 127) || code >= 160 || [8, 9, 10, 11, 12, 13, 27].contains(code)
            }
            self = printable ? .string(text) : .array(text.unicodeScalars.map { .integer(Int($0.value)) })
        case .list(let elements):
            self = .array(elements.map(JSONValue.init))
        case .tuple(let elements):
            self = .array(elements.map(JSONValue.init))
        case .map(let entries):
            let keys = entries.map { entry -> String? in
                if case .atom(let name) = entry.key { return name }
                if case .binary(let bytes) = entry.key { return String(validating: bytes, as: UTF8.self) }
                return entry.key.stringValue
            }
            if keys.allSatisfy({ $0 != nil }), Set(keys.compactMap { $0 }).count == keys.count {
                self = .object(Dictionary(uniqueKeysWithValues: zip(keys.compactMap { $0 }, entries.map { JSONValue($0.value) })))
            } else {
                self = .array(entries.map { .array([JSONValue($0.key), JSONValue($0.value)]) })
            }
        default:
            self = .string(TermWriter.render(term))
        }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let values): try container.encode(values)
        }
    }
}
