import ErlangTerm
import NIOCore

/// Distribution messages after the handshake, without an atom cache: a 32-bit length, then `112`
/// (pass-through), the control message and the payload, each in the external term format. An empty
/// message is a tick.
public enum ControlMessage {
    /// `{6, FromPid, '', ToName}`: send `message` to the process registered as `name`.
    public static func registeredSend(from pid: Pid, to name: String, message: Term) -> ByteBuffer {
        frame(control: .tuple([.integer(6), .pid(pid), .atom(""), .atom(name)]), payload: message)
    }

    /// `{2, '', ToPid}`: send `message` to `pid`.
    public static func send(to pid: Pid, message: Term) -> ByteBuffer {
        frame(control: .tuple([.integer(2), .atom(""), .pid(pid)]), payload: message)
    }

    static func frame(control: Term, payload: Term) -> ByteBuffer {
        let controlBytes = ExternalTermFormat.encode(control, options: .otp26)
        let payloadBytes = ExternalTermFormat.encode(payload, options: .otp26)
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(1 + controlBytes.count + payloadBytes.count))
        buffer.writeInteger(UInt8(112))
        buffer.writeBytes(controlBytes)
        buffer.writeBytes(payloadBytes)
        return buffer
    }

    /// An empty message: keeps the connection alive (the node drops it after a net tick time of silence).
    public static var tick: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(0))
        return buffer
    }

    /// A received message: the control term and, for sends, the payload.
    public struct Received: Sendable {
        public var control: Term
        public var payload: Term?

        /// The destination pid of a `SEND` (2) or `SEND_SENDER` (22), if this is one.
        public var destination: Pid? {
            guard let parts = control.tupleElements, let tag = parts.first, parts.count == 3 else { return nil }
            if (tag == .integer(2) || tag == .integer(22)), case .pid(let pid) = parts[2] { return pid }
            return nil
        }
    }

    /// Decodes a message body (after its length). `nil` for a tick.
    public static func decode(_ frame: ByteBuffer, node: String) throws(DistributionError) -> Received? {
        guard frame.readableBytes > 0 else { return nil }
        let bytes = Array(frame.readableBytesView)
        guard bytes[0] == 112 else {
            throw .protocolError(node: node, detail: "a message without the pass-through marker (tag \(bytes[0]))")
        }
        do {
            let (control, length) = try decodeOne(Array(bytes.dropFirst()))
            let rest = Array(bytes.dropFirst(1 + length))
            let payload = rest.isEmpty ? nil : try decodeOne(rest).term
            return Received(control: control, payload: payload)
        } catch {
            throw .protocolError(node: node, detail: "an undecodable message: \(error)")
        }
    }

    static func decodeOne(_ bytes: [UInt8]) throws(ErlangTermError) -> (term: Term, length: Int) {
        try ExternalTermFormat.decodePrefix(bytes)
    }
}
