import ErlangTerm
import ReleaseModel

/// `systools_rc:check_syntax/1` and `check_op/1`, clause for clause and in the same order, so that a refusal carries
/// systools' own reason (`bad_instruction`, `bad_module`, `bad_purge_method`, ...).
extension RelupBuilder {
    /// systools' error for an expanded instruction: `{Tag, Term}`, or `nil` if it accepts it.
    static func syntaxError(_ instruction: Term) -> (tag: String, term: Term)? {
        typealias Failure = (tag: String, term: Term)
        func mod(_ term: Term) -> Failure? { term.atomValue != nil ? nil : ("bad_module", term) }
        func purge(_ term: Term) -> Failure? { term == .atom("soft_purge") || term == brutal ? nil : ("bad_purge_method", term) }
        func change(_ term: Term) -> Failure? {
            term == .atom("soft") || (term.tupleElements.map { $0.count == 2 && $0[0] == .atom("advanced") } ?? false) ? nil : ("bad_change", term)
        }
        func timeout(_ term: Term) -> Failure? {
            if term == .atom("default") || term == .atom("infinity") { return nil }
            if case .integer(let value) = term, value > 0 { return nil }
            if case .bigInteger(let value) = term, !value.isNegative { return nil }
            return ("bad_timeout", term)
        }
        /// `is_list/1` (an improper list is a list to it), then every element checked.
        func list(_ term: Term, each: (Term) -> Failure? = { _ in nil }) -> Failure? {
            switch term {
            case .list(let elements), .improperList(let elements, _): return elements.lazy.compactMap(each).first
            case .string: return term.listElements!.lazy.compactMap(each).first
            default: return ("bad_list", term)
            }
        }
        func mods(_ term: Term) -> Failure? { list(term, each: mod) }
        func first(_ checks: Failure?...) -> Failure? { checks.lazy.compactMap { $0 }.first }
        func atomCheck(_ tag: String) -> (Term) -> Failure? { { $0.atomValue != nil ? nil : (tag, $0) } }

        if let atom = instruction.atomValue {
            switch atom {
            case "mnesia_backup": return ("not_yet_implemented", instruction)
            case "restart", "reboot", "point_of_no_return", "restart_new_emulator", "restart_emulator": return nil
            default: return ("bad_instruction", instruction)
            }
        }
        guard let parts = instruction.tupleElements, let kind = parts.first?.atomValue else { return ("bad_instruction", instruction) }
        // Each clause's own failure, or nil for a shape check_op has no clause for (then bad_instruction).
        let result: Failure??
        switch (kind, parts.count) {
        case ("update", 6):
            result = .some(first(mod(parts[1]), change(parts[2]), purge(parts[3]), purge(parts[4]), mods(parts[5])))
        case ("update", 7):
            result = .some(first(mod(parts[1]), timeout(parts[2]), change(parts[3]), purge(parts[4]), purge(parts[5]), mods(parts[6])))
        case ("update", 8):
            let modType: Failure? = parts[2] == .atom("static") || parts[2] == .atom("dynamic") ? nil : ("bad_mod_type", parts[2])
            result = .some(first(mod(parts[1]), modType, timeout(parts[3]), change(parts[4]), purge(parts[5]), purge(parts[6]), mods(parts[7])))
        case ("load_module", 5):
            result = .some(first(mod(parts[1]), purge(parts[2]), purge(parts[3]), mods(parts[4])))
        case ("add_module", 2), ("delete_module", 2):
            result = .some(mod(parts[1]))
        case ("add_module", 3), ("delete_module", 3):
            result = .some(first(mod(parts[1]), mods(parts[2])))
        case ("remove_application", 2), ("restart_application", 2):
            result = .some(atomCheck("bad_application")(parts[1]))
        case ("add_application", 3):
            let type: Failure? = ReleaseResource.Entry.types.contains(parts[2].atomValue ?? "") ? nil : ("bad_start_type", parts[2])
            result = .some(first(atomCheck("bad_application")(parts[1]), type))
        case ("load_object_code", 2):
            guard let triple = parts[1].tupleElements, triple.count == 3 else { result = .none; break }
            let version: Failure? = triple[1].isList ? nil : ("bad_lib_vsn", triple[1])
            result = .some(first(atomCheck("bad_lib")(triple[0]), version, mods(triple[2])))
        case ("load", 2), ("remove", 2):
            guard let triple = parts[1].tupleElements, triple.count == 3 else { result = .none; break }
            result = .some(first(mod(triple[0]), purge(triple[1]), purge(triple[2])))
        case ("purge", 2), ("resume", 2), ("stop", 2), ("start", 2):
            result = .some(mods(parts[1]))
        case ("suspend", 2):
            result = .some(list(parts[1]) { element in
                if let pair = element.tupleElements, pair.count == 2 { return first(mod(pair[0]), timeout(pair[1])) }
                return mod(element)
            })
        case ("code_change", 2), ("code_change", 3):
            let modes: Failure? = parts.count == 3 && parts[1] != .atom("up") && parts[1] != .atom("down") ? ("bad_mode", parts[1]) : nil
            let changes = list(parts[parts.count - 1]) { element in
                guard let pair = element.tupleElements, pair.count == 2 else { return ("bad_code_change", element) }
                return mod(pair[0])
            }
            // check_list, then check_mode, then each element.
            if case .some(("bad_list", _)) = changes { result = .some(changes) } else { result = .some(first(modes, changes)) }
        case ("sync_nodes", 3):
            if let mfa = parts[2].tupleElements, mfa.count == 3 {
                result = .some(first(mod(mfa[0]), atomCheck("bad_func")(mfa[1]), mfa[2].isList ? nil : ("bad_args_list", mfa[2])))
            } else {
                result = .some(list(parts[2], each: atomCheck("bad_node")))
            }
        case ("apply", 2):
            guard let mfa = parts[1].tupleElements, mfa.count == 3 else { result = .none; break }
            result = .some(first(mod(mfa[0]), atomCheck("bad_func")(mfa[1]), mfa[2].isList ? nil : ("bad_args_list", mfa[2])))
        default:
            result = .none
        }
        switch result {
        case .none: return ("bad_instruction", instruction)
        case .some(let failure): return failure
        }
    }

    /// Why an expanded appup instruction is malformed, or `nil` if systools accepts it.
    static func checkInstruction(_ instruction: Term) -> String? {
        guard let (tag, term) = syntaxError(instruction) else { return nil }
        return "malformed instruction \(TermWriter.render(instruction)) (systools: {\(tag),\(TermWriter.render(term))})"
    }
}
