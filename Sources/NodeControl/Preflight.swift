import Distribution
import ErlangTerm
import Foundation

/// Before a fleet upgrade touches any node: every node is reached and says which release it runs, whether the
/// modules the upgrade changes are loaded as its release has them, and which processes run old code that a purge
/// would kill. Then across the nodes: those not yet at the target must all run one release, and a module loaded
/// with other code than the release's file, or than the other nodes run, names a node patched by hand.
public enum Preflight {
    public struct NodeState: Sendable {
        /// The release the node runs (current, else permanent).
        public var release: ReleaseSteps.KnownRelease?
        public var atTarget: Bool
        /// Loaded md5 of each module the upgrade changes (nil: not loaded), and whether it is the md5 of the file in
        /// the release's lib directory.
        public var loaded: [String: (md5: [UInt8]?, matchesFile: Bool)]
        /// `Module pid` of processes running old code of those modules: a purge kills them.
        public var oldCode: [String]
    }

    public static func inspect(_ session: inout NodeSession, archive: UpgradeArchiveCheck) async throws -> NodeState {
        let known = try await ReleaseSteps.which(&session)
        let release = known.first { $0.status == "current" } ?? known.first { $0.status == "permanent" }
        let atTarget = release?.version == archive.version
        // The modules of the archive's libraries that replace another version of the same application on the node.
        let running = Set((release?.libraries ?? []).map { String($0.prefix { $0 != "-" }) + "|" + $0 })
        var pairs = [Term]()
        for (library, beams) in archive.beams.sorted(by: { $0.key < $1.key }) {
            let application = String(library.prefix { $0 != "-" })
            guard !atTarget, running.contains(where: { $0.hasPrefix(application + "|") && $0 != application + "|" + library }) else { continue }
            pairs += beams.map { .tuple([.atom(application), .atom($0.module)]) }
        }
        guard !pairs.isEmpty else { return NodeState(release: release, atTarget: atTarget, loaded: [:], oldCode: []) }
        let answer = try await session.evaluate("""
            {[{M, case code:is_loaded(M) of false -> not_loaded; _ -> M:module_info(md5) end,
                  case beam_lib:md5(filename:join([code:lib_dir(App), "ebin", atom_to_list(M) ++ ".beam"])) of
                      {ok, {_, D}} -> D; _ -> missing end} || {App, M} <- Pairs],
             [{M, pid_to_list(P)} || {_, M} <- Pairs, erlang:check_old_code(M), P <- processes(), erlang:check_process_code(P, M)]}
            """, bindings: [("Pairs", .list(pairs))])
        guard let parts = answer.tupleElements, parts.count == 2, let modules = parts[0].listElements, let old = parts[1].listElements else {
            throw AgentFailure(.preflight, "the node did not say what it has loaded: \(TermWriter.render(answer).prefix(200))")
        }
        var loaded = [String: (md5: [UInt8]?, matchesFile: Bool)]()
        for entry in modules {
            guard let fields = entry.tupleElements, fields.count == 3, let module = fields[0].atomValue else { continue }
            if case .binary(let md5) = fields[1] {
                let onDisk: [UInt8]? = { if case .binary(let disk) = fields[2] { return disk } else { return nil } }()
                loaded[module] = (md5, onDisk == md5)
            } else {
                loaded[module] = (nil, true)
            }
        }
        let oldCode = old.compactMap { entry -> String? in
            guard let fields = entry.tupleElements, fields.count == 2, let module = fields[0].atomValue else { return nil }
            return "\(module) \(fields[1].stringValue ?? "?")"
        }
        return NodeState(release: release, atTarget: atTarget, loaded: loaded, oldCode: oldCode)
    }

    /// The problems across the nodes, by node (an empty dictionary: go ahead).
    public static func problems(_ states: [String: NodeState]) -> [String: String] {
        var problems = [String: String]()
        let pending = states.filter { !$0.value.atTarget }
        let releases = Dictionary(grouping: pending.keys.sorted()) { node in
            pending[node]?.release.map { "\($0.name) \($0.version)" } ?? "no release"
        }
        if releases.count > 1 {
            let described = releases.sorted { $0.key < $1.key }.map { "\($0.value.joined(separator: ", ")) on \($0.key)" }.joined(separator: "; ")
            for node in pending.keys { problems[node] = "the nodes not yet upgraded run different releases (\(described)); bring them to one release first" }
        }
        // A module is hand-patched on a node when its loaded code is not its release file's, or not what most
        // nodes run.
        var majority = [String: [UInt8]]()
        let modules = Set(pending.values.flatMap(\.loaded.keys))
        for module in modules {
            let counts = Dictionary(grouping: pending.values.compactMap { $0.loaded[module]?.md5 }) { $0 }.mapValues(\.count)
            if let top = counts.max(by: { $0.value < $1.value }), counts.values.filter({ $0 == top.value }).count == 1 { majority[module] = top.key }
        }
        for (node, state) in pending {
            let patched = state.loaded.filter { module, loaded in
                guard let md5 = loaded.md5 else { return false }
                return !loaded.matchesFile || (majority[module].map { $0 != md5 } ?? false)
            }.keys.sorted()
            if !patched.isEmpty, problems[node] == nil {
                problems[node] = "patched by hand: \(patched.joined(separator: ", ")) \(patched.count == 1 ? "runs" : "run") other code than the release's file or the other nodes; the upgrade would replace it unseen (restart the node, or pass --skip-preflight if that is intended)"
            }
        }
        return problems
    }

    /// The fleet's preflight: each node inspected (`parallel` at a time), then the problems across them.
    public struct Result: Sendable {
        /// Per node, what stops the upgrade.
        public var problems: [String: String]
        /// Per node, what to know (processes a purge would kill).
        public var warnings: [String: [String]]

        /// The outcomes to report when there are problems: those nodes failed at `preflight`, the rest not started.
        public func outcomes(nodes: [String]) -> [NodeOutcome] {
            nodes.map { node in
                if let problem = problems[node] {
                    return NodeOutcome(node: node, kind: .failed, step: .preflight, message: problem, batch: nil, seconds: nil, payload: nil)
                }
                return NodeOutcome(node: node, kind: .skipped, step: nil, message: "not started: the preflight found problems on \(problems.keys.sorted().joined(separator: ", "))",
                                   batch: nil, seconds: nil, payload: nil)
            }
        }
    }

    public static func check(nodes: [String], parallel: Int, archive: UpgradeArchiveCheck,
                             withSession: @escaping @Sendable (String, (inout NodeSession) async throws -> NodeState) async throws -> NodeState) async -> Result {
        let states = Locked<[String: NodeState]>([:])
        let outcomes = await Rollout.run(nodes: nodes, policy: RolloutPolicy(parallel: parallel, maxFailures: Int.max)) { node in
            let state = try await withSession(node) { session in try await inspect(&session, archive: archive) }
            states.update { $0[node] = state }
            return NodeSuccess("inspected")
        }
        var problems = [String: String]()
        for outcome in outcomes where outcome.isFailure {
            problems[outcome.node] = "\(outcome.step?.rawValue ?? "call"): \(outcome.message)"
        }
        let found = states.value
        for (node, problem) in Self.problems(found) where problems[node] == nil { problems[node] = problem }
        var warnings = [String: [String]]()
        for (node, state) in found where !state.oldCode.isEmpty {
            warnings[node] = ["processes run old code that a purge kills: \(state.oldCode.joined(separator: "; "))"]
        }
        return Result(problems: problems, warnings: warnings)
    }
}

/// A value shared by concurrent tasks.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
