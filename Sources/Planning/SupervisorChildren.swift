import Beam
import ErlangTerm

/// What a supervisor module says statically about its children: the ids its `init/1` returns and the name it
/// registers itself under, read from its abstract code (Erlang forms or Elixir's expanded definitions).
///
/// Hand-written because no library evaluates Erlang abstract code or Elixir's AST outside a VM. The evaluator is
/// deliberately small: literals, variables bound earlier in the clause, single-clause local helper functions,
/// single-generator list comprehensions, `Supervisor.init/2` and `Supervisor.child_spec/2`. Anything else makes
/// the answer unknown, never guessed.
public struct SupervisorChildren: Sendable, Equatable {
    /// The child ids, in the order `init/1` lists them.
    public var ids: [Term]
    /// What `supervisor:restart_child/2` and friends are given: the registered name (`Name`, `{global, Name}`,
    /// `{via, Module, Name}`), or `nil` if no `start_link` in the module names one.
    public var reference: Term?

    /// Reads `beam`'s children; throws the reason when they cannot be read statically.
    public static func read(_ file: BeamFile, module: String) throws(Unreadable) -> SupervisorChildren {
        switch file.debugInfo() {
        case .unavailable(let reason):
            throw Unreadable(reason: reason)
        case .erlang(let forms):
            let evaluator = ErlangEvaluator(forms: forms, module: module)
            return SupervisorChildren(ids: try evaluator.childIDs(), reference: evaluator.registeredName())
        case .elixir(let definitions, _):
            let evaluator = ElixirEvaluator(definitions: definitions, module: module)
            return SupervisorChildren(ids: try evaluator.childIDs(), reference: evaluator.registeredName())
        }
    }

    public struct Unreadable: Error, Sendable, Equatable {
        public var reason: String
        public init(reason: String) { self.reason = reason }
    }

    /// The id of one child specification: a map's `id`, a tuple's first element (the old 6-tuple form), or, in
    /// Elixir, a module (`M` and `{M, Arg}` give `M.child_spec/1`, whose id is `M` unless it overrides it).
    static func id(of spec: Term, elixir: Bool) -> Term? {
        switch spec {
        case .map(let entries):
            return entries.first { $0.key == .atom("id") }?.value
        case .tuple(let elements) where !elements.isEmpty:
            if elixir, elements.count == 2 { return elements[0].atomValue != nil ? elements[0] : nil }
            return elements.count == 6 ? elements[0] : nil
        case .atom where elixir:
            return spec
        default:
            return nil
        }
    }

    static func ids(ofResult result: Term, elixir: Bool) throws(Unreadable) -> [Term]? {
        if result == .atom("ignore") { return nil }
        guard let outer = result.tupleElements, outer.count == 2, outer[0] == .atom("ok"),
              let inner = outer[1].tupleElements, inner.count == 2, let specs = inner[1].listElements else {
            throw Unreadable(reason: "init/1 does not return {ok, {Flags, [ChildSpec]}} with a list that can be read without running it")
        }
        var ids = [Term]()
        for (index, spec) in specs.enumerated() {
            guard let id = id(of: spec, elixir: elixir), !id.containsUnknown else {
                throw Unreadable(reason: "child \(index + 1) of init/1 is computed at run time")
            }
            ids.append(id)
        }
        return ids
    }

    /// Every clause of `init/1` must agree (or return `ignore`), and at least one must return children.
    static func agree(elixir: Bool, _ results: [Term?]) throws(Unreadable) -> [Term] {
        var found: [Term]?
        for result in results {
            guard let result else { throw Unreadable(reason: "a clause of init/1 computes its result at run time") }
            guard let ids = try ids(ofResult: result, elixir: elixir) else { continue }
            if let found, found != ids { throw Unreadable(reason: "the clauses of init/1 return different children") }
            found = ids
        }
        guard let found else { throw Unreadable(reason: "init/1 returns no children list") }
        return found
    }
}

extension Term {
    /// The evaluators' placeholder for a value known only at run time.
    static let unknown = Term.atom("$relswap_unknown")

    var containsUnknown: Bool {
        switch self {
        case .atom(let name): return name == "$relswap_unknown"
        case .tuple(let elements), .list(let elements): return elements.contains { $0.containsUnknown }
        case .improperList(let elements, let tail): return elements.contains { $0.containsUnknown } || tail.containsUnknown
        case .map(let entries): return entries.contains { $0.key.containsUnknown || $0.value.containsUnknown }
        default: return false
        }
    }

    /// Calls `body` on this term and every term inside it, depth first.
    func forEachSubterm(_ body: (Term) -> Void) {
        body(self)
        switch self {
        case .tuple(let elements), .list(let elements): for element in elements { element.forEachSubterm(body) }
        case .improperList(let elements, let tail):
            for element in elements { element.forEachSubterm(body) }
            tail.forEachSubterm(body)
        case .map(let entries):
            for entry in entries {
                entry.key.forEachSubterm(body)
                entry.value.forEachSubterm(body)
            }
        default: break
        }
    }
}

/// Erlang abstract forms (`erl_parse`), evaluated where every value is a literal.
struct ErlangEvaluator {
    /// Local functions by name/arity: their clauses.
    let functions: [String: [Term]]
    let forms: [Term]
    let module: String

    init(forms: [Term], module: String) {
        self.forms = forms
        self.module = module
        var functions = [String: [Term]]()
        for form in forms {
            guard let parts = form.tupleElements, parts.count == 5, parts[0] == .atom("function"),
                  let name = parts[2].atomValue, case .integer(let arity) = parts[3], let clauses = parts[4].listElements else { continue }
            functions["\(name)/\(arity)"] = clauses
        }
        self.functions = functions
    }

    func childIDs() throws(SupervisorChildren.Unreadable) -> [Term] {
        guard let clauses = functions["init/1"] else { throw .init(reason: "it has no init/1") }
        return try SupervisorChildren.agree(elixir: false, clauses.map { clause in
            guard let parts = clause.tupleElements, parts.count == 5, let body = parts[4].listElements else { return nil }
            let result = evaluateBody(body, bindings: [:], depth: 0)
            return result.containsUnknown && !(result.tupleElements?.first == .atom("ok")) ? nil : result
        })
    }

    /// `supervisor:start_link(SupName, ?MODULE, Args)` (or `start_link/3` of the module itself through a helper)
    /// anywhere in the module: its `SupName`, as `restart_child/2` takes it.
    func registeredName() -> Term? {
        var found: Term?
        for form in forms {
            form.forEachSubterm { term in
                guard found == nil, let call = term.tupleElements, call.count == 4, call[0] == .atom("call"),
                      let remote = call[2].tupleElements, remote.count == 4, remote[0] == .atom("remote"),
                      literal(remote[2]) == .atom("supervisor"), literal(remote[3]) == .atom("start_link"),
                      let arguments = call[3].listElements, arguments.count == 3,
                      literal(arguments[1]) == .atom(module) else { return }
                let name = evaluate(arguments[0], bindings: [:], depth: 0)
                guard let parts = name.tupleElements, !name.containsUnknown else { return }
                if parts.count == 2, parts[0] == .atom("local") { found = parts[1] } else { found = name }
            }
        }
        return found
    }

    func literal(_ expression: Term) -> Term? {
        guard let parts = expression.tupleElements, parts.count == 3, parts[0] == .atom("atom") else { return nil }
        return parts[2]
    }

    func evaluateBody(_ body: [Term], bindings: [String: Term], depth: Int) -> Term {
        var bindings = bindings
        var result = Term.unknown
        for expression in body {
            if let parts = expression.tupleElements, parts.count == 4, parts[0] == .atom("match"),
               let variable = parts[2].tupleElements, variable.count == 3, variable[0] == .atom("var"), let name = variable[2].atomValue {
                result = evaluate(parts[3], bindings: bindings, depth: depth)
                bindings[name] = result
            } else {
                result = evaluate(expression, bindings: bindings, depth: depth)
            }
        }
        return result
    }

    func evaluate(_ expression: Term, bindings: [String: Term], depth: Int) -> Term {
        guard depth < 16, let parts = expression.tupleElements, let kind = parts.first?.atomValue else { return .unknown }
        switch (kind, parts.count) {
        case ("atom", 3), ("integer", 3), ("float", 3), ("char", 3):
            return parts[2]
        case ("string", 3):
            return parts[2].stringValue.map(Term.text) ?? parts[2]
        case ("nil", 2):
            return .list([])
        case ("var", 3):
            return parts[2].atomValue.flatMap { bindings[$0] } ?? .unknown
        case ("tuple", 3):
            return .tuple((parts[2].listElements ?? []).map { evaluate($0, bindings: bindings, depth: depth) })
        case ("cons", 4):
            let head = evaluate(parts[2], bindings: bindings, depth: depth)
            let tail = evaluate(parts[3], bindings: bindings, depth: depth)
            guard let rest = tail.listElements else { return .unknown }
            return .list([head] + rest)
        case ("map", 3):
            var entries = [MapEntry]()
            for field in parts[2].listElements ?? [] {
                guard let pair = field.tupleElements, pair.count == 4, pair[0] == .atom("map_field_assoc") else { return .unknown }
                entries.append(MapEntry(key: evaluate(pair[2], bindings: bindings, depth: depth), value: evaluate(pair[3], bindings: bindings, depth: depth)))
            }
            return .map(entries)
        case ("lc", 4):
            // [Template || Var <- List]: one generator over a list known here, no filters.
            guard let qualifiers = parts[3].listElements, qualifiers.count == 1, let generator = qualifiers[0].tupleElements,
                  generator.count == 4, generator[0] == .atom("generate"),
                  let variable = generator[2].tupleElements, variable.count == 3, variable[0] == .atom("var"), let name = variable[2].atomValue,
                  let list = evaluate(generator[3], bindings: bindings, depth: depth).listElements else { return .unknown }
            return .list(list.map { element in
                var inner = bindings
                inner[name] = element
                return evaluate(parts[2], bindings: inner, depth: depth + 1)
            })
        case ("call", 4):
            // A local helper with one clause whose parameters are all variables: child(M) -> {M, ...}.
            guard let name = literal(parts[2])?.atomValue, let arguments = parts[3].listElements,
                  let clauses = functions["\(name)/\(arguments.count)"], clauses.count == 1,
                  let clause = clauses[0].tupleElements, clause.count == 5,
                  let parameters = clause[2].listElements, let guards = clause[3].listElements, guards.isEmpty,
                  let body = clause[4].listElements else { return .unknown }
            var inner = [String: Term]()
            for (parameter, argument) in zip(parameters, arguments) {
                guard let variable = parameter.tupleElements, variable.count == 3, variable[0] == .atom("var"),
                      let variableName = variable[2].atomValue else { return .unknown }
                inner[variableName] = evaluate(argument, bindings: bindings, depth: depth)
            }
            return evaluateBody(body, bindings: inner, depth: depth + 1)
        default:
            return .unknown
        }
    }
}

/// Elixir's expanded AST, as `elixir_erl` stores it in debug info, evaluated where every value is a literal.
struct ElixirEvaluator {
    let definitions: [String: [Term]]
    let all: [Term]
    let module: String

    init(definitions: [Term], module: String) {
        all = definitions
        self.module = module
        var table = [String: [Term]]()
        for definition in definitions {
            guard let parts = definition.tupleElements, parts.count == 4, let key = parts[0].tupleElements, key.count == 2,
                  let name = key[0].atomValue, case .integer(let arity) = key[1], let clauses = parts[3].listElements else { continue }
            table["\(name)/\(arity)"] = clauses
        }
        self.definitions = table
    }

    func childIDs() throws(SupervisorChildren.Unreadable) -> [Term] {
        guard let clauses = definitions["init/1"] else { throw .init(reason: "it has no init/1") }
        // Elixir's specs are ids of modules and {Module, Arg} too: read with Elixir's rules.
        return try SupervisorChildren.agree(elixir: true, clauses.map { clause in
            guard let parts = clause.tupleElements, parts.count == 4 else { return nil }
            let result = evaluate(parts[3], bindings: [:], depth: 0)
            return result.tupleElements?.first == .atom("ok") || result == .atom("ignore") ? result : nil
        })
    }

    /// `Supervisor.start_link(__MODULE__, Arg, name: Name)` or `:supervisor.start_link(Name, __MODULE__, Arg)`.
    func registeredName() -> Term? {
        var found: Term?
        for definition in all {
            definition.forEachSubterm { term in
                guard found == nil, let (target, arguments) = remoteCall(term), arguments.count == 3 else { return }
                if target == ("Elixir.Supervisor", "start_link"), arguments[0] == .atom(module),
                   let options = evaluate(arguments[2], bindings: [:], depth: 0).listElements {
                    for option in options {
                        if let pair = option.tupleElements, pair.count == 2, pair[0] == .atom("name"), !pair[1].containsUnknown { found = pair[1] }
                    }
                } else if target == ("supervisor", "start_link"), arguments[1] == .atom(module) {
                    let name = evaluate(arguments[0], bindings: [:], depth: 0)
                    guard let parts = name.tupleElements, !name.containsUnknown else { return }
                    found = parts.count == 2 && parts[0] == .atom("local") ? parts[1] : name
                }
            }
        }
        return found
    }

    /// `{{:., _, [Module, Function]}, _, Arguments}`.
    func remoteCall(_ term: Term) -> ((String, String), [Term])? {
        guard let parts = term.tupleElements, parts.count == 3, let dot = parts[0].tupleElements, dot.count == 3,
              dot[0] == .atom("."), let target = dot[2].listElements, target.count == 2,
              let module = target[0].atomValue, let function = target[1].atomValue, let arguments = parts[2].listElements else { return nil }
        return ((module, function), arguments)
    }

    func evaluate(_ expression: Term, bindings: [String: Term], depth: Int) -> Term {
        guard depth < 16 else { return .unknown }
        switch expression {
        case .atom, .integer, .float, .binary, .string:
            return expression
        case .list(let elements):
            return .list(elements.map { evaluate($0, bindings: bindings, depth: depth) })
        case .tuple(let parts) where parts.count == 2:
            return .tuple(parts.map { evaluate($0, bindings: bindings, depth: depth) })
        case .tuple(let parts) where parts.count == 3:
            if let ((module, function), arguments) = remoteCall(expression) {
                let values = arguments.map { evaluate($0, bindings: bindings, depth: depth) }
                switch (module, function, values.count) {
                case ("Elixir.Supervisor", "init", 2):
                    return .tuple([.atom("ok"), .tuple([.unknown, values[0]])])
                case ("Elixir.Supervisor", "child_spec", 2):
                    // The overrides' id wins; else the spec's own.
                    let overrides = values[1].listElements ?? []
                    if let id = overrides.lazy.compactMap({ $0.tupleElements }).first(where: { $0.count == 2 && $0[0] == .atom("id") })?[1] {
                        return .map([MapEntry(key: .atom("id"), value: id)])
                    }
                    return SupervisorChildren.id(of: values[0], elixir: true).map { .map([MapEntry(key: .atom("id"), value: $0)]) } ?? .unknown
                default:
                    return .unknown
                }
            }
            guard let head = parts[0].atomValue else { return .unknown }
            if parts[2].atomValue != nil {
                return bindings[head] ?? .unknown  // a variable: {name, meta, context}
            }
            guard let arguments = parts[2].listElements else { return .unknown }
            switch head {
            case "__block__":
                var inner = bindings
                var result = Term.unknown
                for statement in arguments {
                    if let match = statement.tupleElements, match.count == 3, match[0] == .atom("="),
                       let sides = match[2].listElements, sides.count == 2, let variable = sides[0].tupleElements, variable.count == 3,
                       let name = variable[0].atomValue, variable[2].atomValue != nil {
                        result = evaluate(sides[1], bindings: inner, depth: depth + 1)
                        inner[name] = result
                    } else {
                        result = evaluate(statement, bindings: inner, depth: depth + 1)
                    }
                }
                return result
            case "{}":
                return .tuple(arguments.map { evaluate($0, bindings: bindings, depth: depth) })
            case "%{}":
                var entries = [MapEntry]()
                for pair in arguments {
                    guard let kv = pair.tupleElements, kv.count == 2 else { return .unknown }
                    entries.append(MapEntry(key: evaluate(kv[0], bindings: bindings, depth: depth), value: evaluate(kv[1], bindings: bindings, depth: depth)))
                }
                return .map(entries)
            default:
                return .unknown
            }
        default:
            return .unknown
        }
    }
}
