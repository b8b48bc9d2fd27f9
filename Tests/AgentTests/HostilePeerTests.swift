import Foundation
import TestSupport
import Testing

/// Peers that do not play by the protocol, none of which knows the cookie: the agent gives up within its
/// deadlines, with a message that says what happened, and never grows without bound.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HostilePeerTests {
    static func agent(epmdPort: Int, timeout: Int = 3) throws -> (result: ErlangOracle.ProgramResult, seconds: Double) {
        let started = Date()
        let result = try Products.run("relswap-agent", ["releases", "--node", "victim@localhost", "--cookie", "secret_cookie",
                                                        "--epmd-port", String(epmdPort), "--timeout", String(timeout)])
        return (result, Date().timeIntervalSince(started))
    }

    @Test func anEpmdThatStallsIsGivenUpOnInTime() throws {
        let epmd = try HostilePeer { socket in _ = HostilePeer.read(socket); Thread.sleep(forTimeInterval: 60) }
        defer { epmd.stop() }
        let (result, seconds) = try Self.agent(epmdPort: epmd.port)
        #expect(result.status == 2)
        #expect(result.standardError.contains("did not answer within 3 s"), "\(result.standardError)")
        #expect(seconds < 20, "\(seconds) s")
    }

    @Test func anEpmdThatStreamsIsCutOff() throws {
        let epmd = try HostilePeer { socket in
            _ = HostilePeer.read(socket)
            let chunk = [UInt8](repeating: 119, count: 65_536)
            while HostilePeer.write(socket, chunk) {}
        }
        defer { epmd.stop() }
        let (result, _) = try Self.agent(epmdPort: epmd.port)
        #expect(result.status == 2)
        #expect(result.standardError.contains("sent more than 4096 bytes for one name; that is not epmd"), "\(result.standardError)")
    }

    /// A "node" that sends its challenge, takes our answer and then says nothing: a timeout, not a wrong cookie.
    @Test func aStallAfterTheChallengeIsATimeoutNotACookie() throws {
        let node = try HostilePeer { socket in
            _ = HostilePeer.read(socket)  // our name
            var challenge: [UInt8] = [UInt8(ascii: "N")] + [UInt8](repeating: 0, count: 7) + [0x0D]  // flags
            challenge += [1, 2, 3, 4] + [0, 0, 0, 1] + [0, 11] + Array("victim@fake".utf8)
            _ = HostilePeer.write(socket, [UInt8(3 >> 8), 3] + Array("sok".utf8))
            _ = HostilePeer.write(socket, [UInt8(challenge.count >> 8), UInt8(challenge.count & 0xFF)] + challenge)
            _ = HostilePeer.read(socket)  // our reply
            Thread.sleep(forTimeInterval: 60)
        }
        defer { node.stop() }
        let epmd = try HostilePeer { socket in _ = HostilePeer.read(socket); _ = HostilePeer.write(socket, HostilePeer.epmdAnswer(port: node.port)); close(socket) }
        defer { epmd.stop() }
        let (result, seconds) = try Self.agent(epmdPort: epmd.port, timeout: 5)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("the handshake did not finish within 5 s"), "\(result.standardError)")
        #expect(!result.standardError.contains("cookie is wrong"))
        #expect(!result.standardError.contains("secret_cookie"), "the cookie is never printed")
        #expect(seconds < 25, "\(seconds) s")
    }

    /// A node that dies during a call (here by the call itself) is said to have closed the connection, at once,
    /// not to have run out of time.
    @Test func aNodeThatDiesDuringACallIsSaidToHaveClosed() throws {
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let node = try AgentSupport.startNode("dying_\(nodes.epmdPort)", cookie: "dying", nodes: nodes)
        defer { AgentSupport.stop(node) }
        let started = Date()
        let result = try AgentSupport.agent(["call", "erlang", "halt", "[]", "--node", "dying_\(nodes.epmdPort)", "--cookie", "dying", "--timeout", "300"], nodes: nodes)
        #expect(result.status == 1)
        #expect(result.standardError.contains("it closed the connection during erlang:halt"), "\(result.standardError)")
        #expect(!result.standardError.contains("did not answer within"))
        #expect(Date().timeIntervalSince(started) < 60)
    }
}
