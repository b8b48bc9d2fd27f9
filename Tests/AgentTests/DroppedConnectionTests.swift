import Distribution
import ErlangTerm
import Foundation
@testable import NodeControl
import TestSupport
import Testing

/// A node that closes the connection after the handshake (it stops, or is still going down when the agent reconnects
/// during an emulator restart) fails the next call with a DistributionError, which becomes the AgentFailure step
/// that the agent retries while a node restarts. NIO's own error for a write on a closed channel escaped before, and
/// ended an emulator upgrade with "I/O on closed channel" instead of retrying.
@Suite struct DroppedConnectionTests {
    @Test(.timeLimit(.minutes(2))) func aCallOnAConnectionTheNodeClosedIsAFailureTheAgentRetries() async throws {
        // On its own thread: the synchronous tests running beside this one may hold every thread of the shared pool
        // for minutes, and the session's awaits would wait for one past its own deadlines.
        try await withTaskExecutorPreference(OwnThreadExecutor()) { try await Self.dropAndCall() }
    }

    static func dropAndCall() async throws {
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let process = try AgentSupport.startNode("agent_dropped", cookie: "sesame", nodes: nodes)
        defer { AgentSupport.stop(process) }
        let name = NodeName("agent_dropped", defaultHost: NodeName.localShortHost)
        let (closed, outcome) = try await NodeSession.with(node: name, cookie: "sesame", epmdPort: nodes.epmdPort, timeout: 10) { session in
            // The node drops us a moment after it answers (timer:apply_after/4 returns at once).
            let scheduled = try await session.call("timer", "apply_after", [.integer(100), .atom("erlang"), .atom("disconnect_node"),
                                                                             .list([.atom(session.ourPid.node)])])
            #expect(scheduled.tupleElements?.first == .atom("ok"), "\(scheduled)")
            // Poll until our side has seen the node close the connection, so that the next call's write meets it.
            let deadline = Date().addingTimeInterval(10)
            while session.channel.isActive, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
            let closed = !session.channel.isActive
            do {
                return (closed, Result<Term, Error>.success(try await session.call("erlang", "node", [])))
            } catch {
                return (closed, Result<Term, Error>.failure(error))
            }
        }
        #expect(closed, "the node did not close the connection within 10 s")
        switch outcome {
        case .success(let answer):
            Issue.record("a call on a closed connection answered \(answer)")
        case .failure(let error):
            guard let distribution = error as? DistributionError else {
                Issue.record("not a DistributionError: \(type(of: error)): \(error)")
                return
            }
            #expect(distribution.description.contains("closed the connection during erlang:node"), "\(distribution)")
            #expect(AgentFailure(distribution).step == .call, "the step UpgradeFlow.untilBack retries")
        }
        // The node itself is still up: it dropped the connection, nothing else.
        #expect(try AgentSupport.agent(["call", "erlang", "node", "--node", "agent_dropped", "--cookie", "sesame"], nodes: nodes).status == 0)
    }
}

/// Runs the jobs of the tasks that prefer it on one serial queue of its own, not on the shared cooperative pool.
final class OwnThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = DispatchQueue(label: "relswap.tests.own-thread")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
