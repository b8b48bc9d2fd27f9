import Beam
import ErlangTerm

/// What the risk checks read from a module's abstract code: its records (or Elixir struct) and the heads of its
/// `code_change` clauses, each able to say whether it matches a term, from Erlang forms or Elixir's definitions.
struct AbstractCode {
    let info: DebugInfo

    init(_ info: DebugInfo) { self.info = info }

    /// Record names and their field names in order; an Elixir module's struct under `__struct__`.
    func records() -> [String: [String]] {
        var records = [String: [String]]()
        switch info {
        case .erlang(let forms):
            for form in forms {
                guard let parts = form.tupleElements, parts.count == 4, parts[0] == .atom("attribute"), parts[2] == .atom("record"),
                      let record = parts[3].tupleElements, record.count == 2, let name = record[0].atomValue,
                      let fields = record[1].listElements else { continue }
                records[name] = fields.compactMap(AbstractCode.fieldName)
            }
        case .elixir(_, let module):
            if let fields = module.first(where: { $0.key == .atom("struct") })?.value.listElements {
                records["__struct__"] = fields.compactMap { field in
                    guard case .map(let entries) = field else { return nil }
                    return entries.first { $0.key == .atom("field") }?.value.atomValue
                }
            }
        case .unavailable:
            break
        }
        return records
    }

    static func fieldName(_ field: Term) -> String? {
        guard let parts = field.tupleElements, let kind = parts.first?.atomValue else { return nil }
        if kind == "typed_record_field", parts.count == 3 { return fieldName(parts[1]) }
        guard kind == "record_field", parts.count >= 3, let atom = parts[2].tupleElements, atom.count == 3 else { return nil }
        return atom[2].atomValue
    }

    struct Head {
        var pattern: Term
        var guarded: Bool
        var elixir: Bool

        var text: String { (AbstractCode.render(pattern, elixir: elixir) ?? "_") + (guarded ? " when ..." : "") }

        /// true or false when the pattern decides; nil when it cannot be told here (a guard, a computed pattern).
        func matches(_ value: Term) -> Bool? {
            guard let verdict = AbstractCode.match(pattern, value, elixir: elixir) else { return nil }
            return verdict && guarded ? nil : verdict
        }
    }

    /// The first argument of each `code_change/3` or `/4` clause (gen_server, gen_statem), or nil with no such function.
    func codeChangeHeads() -> [Head]? {
        switch info {
        case .erlang(let forms):
            for form in forms {
                guard let parts = form.tupleElements, parts.count == 5, parts[0] == .atom("function"), parts[2] == .atom("code_change"),
                      case .integer(let arity) = parts[3], arity == 3 || arity == 4, let clauses = parts[4].listElements else { continue }
                return clauses.compactMap { clause in
                    guard let c = clause.tupleElements, c.count == 5, let first = c[2].listElements?.first else { return nil }
                    return Head(pattern: first, guarded: !(c[3].listElements ?? []).isEmpty, elixir: false)
                }
            }
            return nil
        case .elixir(let definitions, _):
            for definition in definitions {
                guard let parts = definition.tupleElements, parts.count == 4, let key = parts[0].tupleElements, key.count == 2,
                      key[0] == .atom("code_change"), case .integer(let arity) = key[1], arity == 3 || arity == 4,
                      let clauses = parts[3].listElements else { continue }
                // The default `use GenServer` defines (context: GenServer) hands the old state on as it is: no migration.
                let generated = (parts[2].listElements ?? []).contains { $0.tupleElements?.first == .atom("context") }
                if generated { return nil }
                return clauses.compactMap { clause in
                    guard let c = clause.tupleElements, c.count == 4, let first = c[1].listElements?.first else { return nil }
                    return Head(pattern: first, guarded: !(c[2].listElements ?? []).isEmpty, elixir: true)
                }
            }
            return nil
        case .unavailable:
            return nil
        }
    }

    /// Pattern matching of literal patterns, variables and tuples/lists of them; nil for anything else.
    static func match(_ pattern: Term, _ value: Term, elixir: Bool) -> Bool? {
        if elixir {
            switch pattern {
            case .atom, .integer, .float, .binary, .string:
                return Term.compare(pattern, value) == 0
            case .list(let elements):
                guard let values = value.listElements, values.count == elements.count else { return value.listElements == nil ? false : false }
                return all(zip(elements, values).map { match($0, $1, elixir: true) })
            case .tuple(let parts) where parts.count == 2:
                guard let values = value.tupleElements, values.count == 2 else { return false }
                return all(zip(parts, values).map { match($0, $1, elixir: true) })
            case .tuple(let parts) where parts.count == 3:
                if parts[2].atomValue != nil, parts[0].atomValue != nil { return true }  // a variable
                if parts[0] == .atom("{}"), let elements = parts[2].listElements {
                    guard let values = value.tupleElements, values.count == elements.count else { return false }
                    return all(zip(elements, values).map { match($0, $1, elixir: true) })
                }
                if parts[0] == .atom("="), let sides = parts[2].listElements, sides.count == 2 {
                    return all([match(sides[0], value, elixir: true), match(sides[1], value, elixir: true)])
                }
                return nil
            default:
                return nil
            }
        }
        guard let parts = pattern.tupleElements, let kind = parts.first?.atomValue else { return nil }
        switch (kind, parts.count) {
        case ("var", 3): return true
        case ("integer", 3), ("atom", 3), ("float", 3), ("char", 3): return Term.compare(parts[2], value) == 0
        case ("string", 3): return parts[2].stringValue.map { value.stringValue == $0 } ?? nil
        case ("nil", 2): return value.listElements?.isEmpty == true
        case ("tuple", 3):
            guard let elements = parts[2].listElements else { return nil }
            guard let values = value.tupleElements, values.count == elements.count else { return false }
            return all(zip(elements, values).map { match($0, $1, elixir: false) })
        case ("cons", 4):
            guard let values = value.listElements, let head = values.first else { return false }
            return all([match(parts[2], head, elixir: false), match(parts[3], .list(Array(values.dropFirst())), elixir: false)])
        case ("match", 4):
            return all([match(parts[2], value, elixir: false), match(parts[3], value, elixir: false)])
        default:
            return nil
        }
    }

    /// false if any is false; nil if any is unknown; else true.
    static func all(_ verdicts: [Bool?]) -> Bool? {
        if verdicts.contains(false) { return false }
        if verdicts.contains(where: { $0 == nil }) { return nil }
        return true
    }

    /// A head as text, for the report.
    static func render(_ pattern: Term, elixir: Bool) -> String? {
        if elixir {
            switch pattern {
            case .tuple(let parts) where parts.count == 3 && parts[2].atomValue != nil: return parts[0].atomValue
            case .tuple(let parts) where parts.count == 2:
                return "{" + parts.map { render($0, elixir: true) ?? "_" }.joined(separator: ", ") + "}"
            default: return TermWriter.render(pattern)
            }
        }
        guard let parts = pattern.tupleElements, let kind = parts.first?.atomValue else { return nil }
        switch kind {
        case "var": return parts[2].atomValue
        case "integer", "atom", "float", "char", "string": return TermWriter.render(parts[2])
        case "tuple": return "{" + (parts[2].listElements ?? []).map { render($0, elixir: false) ?? "_" }.joined(separator: ",") + "}"
        default: return "..."
        }
    }
}
