import Distribution
import ErlangTerm

extension NodeSession {
    /// Evaluates Erlang expressions on the node (`erl_scan`, `erl_parse` and `erl_eval` there, as `bin/<name> eval`
    /// does), with `bindings` as variables: one round trip for what would otherwise be a call per module or process.
    public mutating func evaluate(_ expressions: String, bindings: [(String, Term)] = []) async throws -> Term {
        let text = expressions.hasSuffix(".") ? expressions : expressions + "."
        let scanned = try await call("erl_scan", "string", [.text(text)])
        guard let tokens = scanned.tupleElements, tokens.count == 3, tokens[0] == .atom("ok") else {
            throw AgentFailure(.call, "the node could not scan \(text.prefix(80)): \(TermWriter.render(scanned).prefix(200))")
        }
        let parsed = try await call("erl_parse", "parse_exprs", [tokens[1]])
        guard let exprs = parsed.tupleElements, exprs.count == 2, exprs[0] == .atom("ok") else {
            throw AgentFailure(.call, "the node could not parse \(text.prefix(80)): \(TermWriter.render(parsed).prefix(200))")
        }
        let binding = Term.list(bindings.map { .tuple([.atom($0.0), $0.1]) })
        let answer = try await call("erl_eval", "exprs", [exprs[1], binding])
        guard let value = answer.tupleElements, value.count == 3, value[0] == .atom("value") else {
            throw AgentFailure(.call, "evaluating \(text.prefix(80)) on the node failed: \(TermWriter.render(answer).prefix(300))")
        }
        return value[1]
    }
}
