import Distribution
import ErlangTerm
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Set once, read from any thread: whether a deadline closed a connection (so that its closing is reported as a
/// timeout, not as the peer going away).
final class Deadline: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    var hasFired: Bool { lock.withLock { fired } }
    func fire() { lock.withLock { fired = true } }
}

/// Reads length-prefixed frames from a channel's inbound stream.
struct FrameReader {
    /// The largest frame the agent takes: a node's answers are terms of release_handler's and the agent's own
    /// calls, far smaller; a frame declaring more is refused before anything is buffered for it.
    static let maximumFrame = 64 << 20

    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var buffer = ByteBuffer()
    let node: String

    /// The next frame's body, after a 2-byte (handshake) or 4-byte (messages) length.
    mutating func frame(lengthBytes: Int) async throws -> ByteBuffer {
        while true {
            if buffer.readableBytes >= lengthBytes {
                let length = lengthBytes == 2 ? buffer.getInteger(at: buffer.readerIndex, as: UInt16.self).map(Int.init)
                                              : buffer.getInteger(at: buffer.readerIndex, as: UInt32.self).map(Int.init)
                if let length, length > FrameReader.maximumFrame {
                    throw DistributionError.protocolError(node: node, detail: "it sent a frame of \(length) bytes, more than the \(FrameReader.maximumFrame) the agent takes")
                }
                if let length, buffer.readableBytes >= lengthBytes + length {
                    buffer.moveReaderIndex(forwardBy: lengthBytes)
                    return buffer.readSlice(length: length)!
                }
            }
            guard var next = try await iterator.next() else { throw ConnectionClosed() }
            buffer.writeBuffer(&next)
        }
    }

    struct ConnectionClosed: Error {}
}

/// A connection to one node, after the handshake: calls through `rex`, as `rpc:call/5` makes them.
public struct NodeSession {
    public let node: NodeName
    let ourPid: Pid
    var reader: FrameReader
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let channel: Channel
    public let timeout: Double

    /// Calls `module:function(arguments)` on the node and returns its result (`{badrpc, Reason}` if it failed there).
    public mutating func call(_ module: String, _ function: String, _ arguments: [Term], timeout: Double? = nil) async throws -> Term {
        let ref = Reference(node: ourPid.node, creation: ourPid.creation,
                            ids: [UInt32.random(in: 0...UInt32.max), UInt32.random(in: 0...UInt32.max), UInt32.random(in: 0...UInt32.max)])
        let request = Term.tuple([.atom("$gen_call"), .tuple([.pid(ourPid), .reference(ref)]),
                                  .tuple([.atom("call"), .atom(module), .atom(function), .list(arguments), .pid(ourPid)])])
        // A connection the node has closed (it stopped, or restarted into another emulator, after the handshake)
        // refuses the write with NIO's own error: it becomes the same DistributionError as a close during the call,
        // which the agent's retries while a node restarts expect.
        do {
            try await outbound.write(ControlMessage.registeredSend(from: ourPid, to: "rex", message: request))
            if Failpoint.isSelected("\(module):\(function)") {
                // The request must be on the wire before the pause: a tick written after it is flushed after it.
                try await channel.writeAndFlush(ControlMessage.tick).get()
                Failpoint.pause("\(module):\(function)")
            }
        } catch {
            throw closedDuring(module, function, writeError: error)
        }
        // A call that does not answer in time closes the connection: the reads below then end.
        let limit = timeout ?? self.timeout
        let connection = channel
        let deadline = Deadline()
        let timer = connection.eventLoop.scheduleTask(in: .milliseconds(Int64(limit * 1000))) {
            deadline.fire()
            connection.close(promise: nil)
        }
        defer { timer.cancel() }
        while true {
            let frame: ByteBuffer
            do {
                frame = try await reader.frame(lengthBytes: 4)
            } catch let error as DistributionError {
                throw error
            } catch {
                if deadline.hasFired { throw DistributionError.timeout(node: node.description, seconds: limit) }
                throw closedDuring(module, function)
            }
            guard let message = try ControlMessage.decode(frame, node: node.description), message.destination == ourPid,
                  let payload = message.payload?.tupleElements else { continue }
            if payload.count == 2, payload[0] == .reference(ref) { return payload[1] }
            // The call's group leader is us: answer its io requests so that a function that prints does not block.
            if payload.count == 4, payload[0] == .atom("io_request"), case .pid(let from) = payload[1] {
                do {
                    try await outbound.write(ControlMessage.send(to: from, message: .tuple([.atom("io_reply"), payload[2], .atom("ok")])))
                } catch {
                    throw closedDuring(module, function, writeError: error)
                }
            }
        }
    }

    /// The node closed the connection during `module:function`: seen as the end of its answer, or as a write the
    /// connection refused (`writeError`, NIO's own).
    private func closedDuring(_ module: String, _ function: String, writeError: Error? = nil) -> DistributionError {
        .protocolError(node: node.description, detail: "it closed the connection during \(module):\(function) (the node stopped, restarted or dropped us\(writeError.map { "; writing failed: \($0)" } ?? ""))")
    }

    /// Connects to `node` (epmd lookup, handshake), runs `body` with the session, and closes the connection.
    /// With `tls`, the connection is TLS distribution (`-proto_dist inet_tls`).
    public static func with<Result: Sendable>(node: NodeName, cookie: String, epmdPort: Int, timeout: Double, tls: DistributionTLS? = nil,
                                       _ body: (inout NodeSession) async throws -> Result) async throws -> Result {
        let group = MultiThreadedEventLoopGroup.singleton
        let port = try await lookUp(node: node, epmdPort: epmdPort, group: group, timeout: timeout)
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .connect(host: node.host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls { try channel.pipeline.syncOperations.addHandler(try tls.handler(host: node.host)) }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw DistributionError.unreachable(node: node.description, detail: "cannot connect to \(node.host):\(port): \(error)")
        }
        // What a connection closed during the handshake may mean when the two sides disagree about TLS.
        let transportHint = tls == nil
            ? "; if the node runs TLS distribution (-proto_dist inet_tls), give --tls-certfile, --tls-keyfile and --tls-cacertfile"
            : "; the node may not run TLS distribution (-proto_dist inet_tls), or refused the agent's certificate"
        return try await channel.executeThenClose { inbound, outbound in
            var reader = FrameReader(iterator: inbound.makeAsyncIterator(), node: node.description)
            let creation = UInt32.random(in: 1...UInt32.max)
            let ourName = "relswap_agent_\(getpid())_\(UInt16.random(in: 0...UInt16.max))@\(node.host)"
            let handshakeLimit = min(max(timeout, 5), 60)
            let handshakeDeadline = Deadline()
            let handshakeTimer = channel.channel.eventLoop.scheduleTask(in: .milliseconds(Int64(handshakeLimit * 1000))) {
                handshakeDeadline.fire()
                channel.channel.close(promise: nil)
            }
            let ourChallenge = UInt32.random(in: 0...UInt32.max)
            // inet_tls_dist frames its handshake with a 32-bit length (its socket is {packet, 4} throughout).
            let handshakeFraming = tls == nil ? 2 : 4
            do {
                try await outbound.write(Handshake.nameMessage(name: ourName, creation: creation, lengthBytes: handshakeFraming))
                try Handshake.checkStatus(try await reader.frame(lengthBytes: handshakeFraming), node: node.description)
                let challenge = try Handshake.parseChallenge(try await reader.frame(lengthBytes: handshakeFraming), node: node.description)
                try await outbound.write(Handshake.challengeReply(ourChallenge: ourChallenge, theirChallenge: challenge.challenge, cookie: cookie,
                                                                  lengthBytes: handshakeFraming))
                let ack: ByteBuffer
                do {
                    ack = try await reader.frame(lengthBytes: handshakeFraming)
                } catch is FrameReader.ConnectionClosed where !handshakeDeadline.hasFired {
                    throw DistributionError.refused(node: node.description, detail: "it closed the connection after our answer to its challenge: the cookie is wrong")
                }
                try Handshake.checkAck(ack, ourChallenge: ourChallenge, cookie: cookie, node: node.description)
            } catch let error as DistributionError {
                throw error
            } catch {
                if let reason = DistributionTLS.explain(error) {
                    throw DistributionError.refused(node: node.description, detail: reason)
                }
                if handshakeDeadline.hasFired {
                    throw DistributionError.protocolError(node: node.description, detail: "the handshake did not finish within \(Int(handshakeLimit)) s (the peer stopped answering\(transportHint))")
                }
                throw DistributionError.protocolError(node: node.description, detail: error is FrameReader.ConnectionClosed ? "it closed the connection during the handshake\(transportHint)" : "the handshake failed: \(error)")
            }
            handshakeTimer.cancel()
            // Ticks keep the connection alive: the node drops a peer that is silent for its net tick time.
            let ticker = channel.channel.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(10), delay: .seconds(10)) { _ in
                channel.channel.writeAndFlush(ControlMessage.tick, promise: nil)
            }
            defer { ticker.cancel() }
            var session = NodeSession(node: node, ourPid: Pid(node: ourName, id: 1, serial: 0, creation: creation),
                                      reader: reader, outbound: outbound, channel: channel.channel, timeout: timeout)
            return try await body(&session)
        }
    }

    /// The node's distribution port from epmd (`PORT_PLEASE2_REQ`).
    static func lookUp(node: NodeName, epmdPort: Int, group: EventLoopGroup, timeout: Double) async throws -> Int {
        let epmd: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            epmd = try await ClientBootstrap(group: group).connectTimeout(.seconds(5))
                .connect(host: node.host, port: epmdPort) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
        } catch {
            throw DistributionError.unreachable(node: node.description, detail: "epmd is not answering on \(node.host):\(epmdPort) (\(error)); is the node running, and is ERL_EPMD_PORT right?")
        }
        // epmd answers in a few dozen bytes and closes: an answer that does not end in time, or does not end at all,
        // is cut off.
        let limit = min(timeout, 10)
        let deadline = Deadline()
        let timer = epmd.channel.eventLoop.scheduleTask(in: .milliseconds(Int64(limit * 1000))) {
            deadline.fire()
            epmd.channel.close(promise: nil)
        }
        defer { timer.cancel() }
        let maximumAnswer = 4096
        var answer: ByteBuffer
        do {
            answer = try await epmd.executeThenClose { inbound, outbound in
                try await outbound.write(EPMDMessages.portPleaseRequest(alive: node.alive))
                var collected = ByteBuffer()
                for try await var part in inbound {
                    collected.writeBuffer(&part)
                    if collected.readableBytes > maximumAnswer { break }
                }
                return collected
            }
        } catch {
            if deadline.hasFired { throw DistributionError.unreachable(node: node.description, detail: "epmd on \(node.host):\(epmdPort) did not answer within \(Int(limit)) s") }
            throw DistributionError.unreachable(node: node.description, detail: "epmd on \(node.host):\(epmdPort) failed: \(error)")
        }
        if answer.readableBytes > maximumAnswer {
            throw DistributionError.unreachable(node: node.description, detail: "epmd on \(node.host):\(epmdPort) sent more than \(maximumAnswer) bytes for one name; that is not epmd")
        }
        if deadline.hasFired {
            throw DistributionError.unreachable(node: node.description, detail: "epmd on \(node.host):\(epmdPort) did not answer within \(Int(limit)) s")
        }
        guard let (port, _) = try EPMDMessages.parsePortResponse(&answer) else {
            throw DistributionError.unreachable(node: node.description, detail: "no node named \(node.alive) is registered with epmd on \(node.host):\(epmdPort); is it running?")
        }
        return port
    }
}
