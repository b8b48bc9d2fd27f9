import ErlangTerm
import NodeControl

/// What a node runs, read in one evaluation: each loaded module's md5, the modules with old code still loaded,
/// and every supervisor with its children.
struct NodeState: Sendable {
    struct Supervisor: Sendable {
        var pid: Term
        var name: String?
        var application: String?
        /// Child id and its pid, or `undefined`/`restarting`; `nil` children when which_children did not answer.
        var children: [(id: Term, child: Term)]?

        var label: String { name ?? TermWriter.render(pid) }
    }

    var loaded: [String: [UInt8]]
    var oldCode: [String]
    var supervisors: [Supervisor]
    /// The running applications and their versions.
    var applications: [String: String]

    static let expression = """
        Loaded = [{M, erlang:get_module_info(M, md5)} || {M, _} <- code:all_loaded()], \
        Old = [M || {M, _} <- code:all_loaded(), erlang:check_old_code(M)], \
        IsSup = fun(P) -> case process_info(P, dictionary) of {dictionary, D} -> case proplists:get_value('$initial_call', D) of {supervisor, _, 1} -> true; _ -> false end; _ -> false end end, \
        Sups = [{P, case process_info(P, registered_name) of {registered_name, N} -> N; _ -> undefined end, \
                 case application:get_application(P) of {ok, A} -> A; _ -> undefined end, \
                 case catch supervisor:which_children(P) of L when is_list(L) -> [{Id, C} || {Id, C, _, _} <- L]; _ -> unknown end} \
                || P <- processes(), IsSup(P)], \
        Apps = [{A, V} || {A, _, V} <- application:which_applications()], \
        {Loaded, Old, Sups, Apps}
        """

    static func read(_ session: inout NodeSession) async throws -> NodeState {
        let answer = try await session.evaluate(expression)
        guard let parts = answer.tupleElements, parts.count == 4 else { throw AgentFailure(.call, "the node's state is not {Loaded, Old, Sups, Apps}") }
        var loaded = [String: [UInt8]]()
        for entry in parts[0].listElements ?? [] {
            if let pair = entry.tupleElements, pair.count == 2, let module = pair[0].atomValue, case .binary(let md5) = pair[1] { loaded[module] = md5 }
        }
        let old = (parts[1].listElements ?? []).compactMap(\.atomValue)
        let supervisors = (parts[2].listElements ?? []).compactMap { entry -> Supervisor? in
            guard let fields = entry.tupleElements, fields.count == 4 else { return nil }
            let children = fields[3].listElements?.compactMap { child -> (id: Term, child: Term)? in
                guard let pair = child.tupleElements, pair.count == 2 else { return nil }
                return (pair[0], pair[1])
            }
            return Supervisor(pid: fields[0], name: fields[1] == .atom("undefined") ? nil : fields[1].atomValue,
                              application: fields[2] == .atom("undefined") ? nil : fields[2].atomValue, children: children)
        }
        var applications = [String: String]()
        for entry in parts[3].listElements ?? [] {
            if let pair = entry.tupleElements, pair.count == 2, let name = pair[0].atomValue, let version = pair[1].stringValue { applications[name] = version }
        }
        return NodeState(loaded: loaded, oldCode: old, supervisors: supervisors, applications: applications)
    }
}
