import ErlangTerm
import Foundation

/// How a command goes through a fleet: the canary nodes first, one at a time; then the others in batches of
/// `parallel` at once; and it stops starting nodes once more than `maxFailures` have failed (0: at the first). Every
/// node gets an outcome, those never started included.
public struct RolloutPolicy: Sendable {
    public var canary: Int
    public var parallel: Int
    public var maxFailures: Int

    public init(canary: Int = 0, parallel: Int = 1, maxFailures: Int = 0) {
        self.canary = canary
        self.parallel = parallel
        self.maxFailures = maxFailures
    }
}

/// What became of one node.
public struct NodeOutcome: Sendable {
    public enum Kind: String, Sendable, Codable {
        /// The command did its work (for `upgrade`: the node was upgraded).
        case done
        /// Nothing to do: the node was already where the command takes it.
        case unchanged
        /// A step failed; the node is where that step left it (`step`).
        case failed
        /// A check after the install failed, and the node was put back on its permanent release.
        case rolledBack = "rolled_back"
        /// Not started: the rollout stopped before this node.
        case skipped
    }

    public var node: String
    public var kind: Kind
    /// The failed step (`unreachable`, `unpack`, `install`, `health`, ...), for failed and rolled back nodes.
    public var step: AgentFailure.Step?
    public var message: String
    /// The batch the node was in: 0 for the canaries (one each), then 1, 2, ...
    public var batch: Int?
    public var seconds: Double?
    public var payload: NodePayload?

    public var isFailure: Bool { kind == .failed || kind == .rolledBack }
}

/// What a command found on a node besides its message: the releases it knows, or a call's result.
public enum NodePayload: Sendable {
    case releases([ReleaseSteps.KnownRelease])
    /// A call's result, as the term it is (the front end renders it).
    case result(Term)
}

/// What the work on one node returns when it succeeds.
public struct NodeSuccess: Sendable {
    public var message: String
    public var unchanged: Bool
    public var payload: NodePayload?

    public init(_ message: String, unchanged: Bool = false, payload: NodePayload? = nil) {
        self.message = message
        self.unchanged = unchanged
        self.payload = payload
    }
}

public enum Rollout {
    /// Runs `work` on each node as `policy` says; outcomes in the order of `nodes`.
    public static func run(nodes: [String], policy: RolloutPolicy,
                           work: @escaping @Sendable (String) async throws -> NodeSuccess) async -> [NodeOutcome] {
        let canaries = Array(nodes.prefix(policy.canary))
        let rest = Array(nodes.dropFirst(policy.canary))
        var batches = canaries.map { [$0] }
        var index = 0
        while index < rest.count {
            batches.append(Array(rest[index..<min(index + max(policy.parallel, 1), rest.count)]))
            index += max(policy.parallel, 1)
        }
        var outcomes = [String: NodeOutcome]()
        var failures = 0
        for (number, batch) in batches.enumerated() {
            guard failures <= policy.maxFailures else { break }
            let label = number < canaries.count ? 0 : number - canaries.count + 1
            let results = await withTaskGroup(of: NodeOutcome.self) { group in
                for node in batch {
                    group.addTask { await outcome(node, batch: label, work) }
                }
                var collected = [NodeOutcome]()
                for await result in group { collected.append(result) }
                return collected
            }
            for result in results {
                outcomes[result.node] = result
                if result.isFailure { failures += 1 }
            }
        }
        let stoppedBy = nodes.compactMap { outcomes[$0] }.filter(\.isFailure).map(\.node)
        return nodes.map { node in
            outcomes[node] ?? NodeOutcome(node: node, kind: .skipped, step: nil,
                                          message: "not started: the rollout stopped after \(stoppedBy.count) failure\(stoppedBy.count == 1 ? "" : "s") (\(stoppedBy.joined(separator: ", ")))",
                                          batch: nil, seconds: nil, payload: nil)
        }
    }

    static func outcome(_ node: String, batch: Int, _ work: @Sendable (String) async throws -> NodeSuccess) async -> NodeOutcome {
        let start = Date()
        do {
            let success = try await work(node)
            return NodeOutcome(node: node, kind: success.unchanged ? .unchanged : .done, step: nil, message: success.message,
                               batch: batch, seconds: Date().timeIntervalSince(start), payload: success.payload)
        } catch let failure as AgentFailure {
            return NodeOutcome(node: node, kind: failure.rolledBack ? .rolledBack : .failed, step: failure.step, message: failure.message,
                               batch: batch, seconds: Date().timeIntervalSince(start), payload: nil)
        } catch {
            return NodeOutcome(node: node, kind: .failed, step: .call, message: "\(error)", batch: batch,
                               seconds: Date().timeIntervalSince(start), payload: nil)
        }
    }
}
