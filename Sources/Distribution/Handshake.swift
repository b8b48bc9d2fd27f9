import Crypto
import NIOCore

/// The distribution handshake, version 6 (OTP 23 and later), from the connecting side, as
/// `dist_util` does it: send_name, recv_status, recv_challenge, send_challenge_reply, recv_challenge_ack.
/// Handshake messages are framed with a 16-bit length; over TLS distribution (`inet_tls_dist`, whose socket is
/// `{packet, 4}` from the start) with a 32-bit one.
public enum Handshake {
    /// Capabilities we announce: OTP 25's mandatory set (and its digest bit), with no atom cache (messages
    /// then travel as pass-through), no fragments, and without `PUBLISHED`, so we are a hidden node.
    public static let flags: UInt64 = [
        0x04,        // EXTENDED_REFERENCES
        0x08,        // DIST_MONITOR
        0x10,        // FUN_TAGS
        0x80,        // NEW_FUN_TAGS
        0x100,       // EXTENDED_PIDS_PORTS
        0x200,       // EXPORT_PTR_TAG
        0x400,       // BIT_BINARIES
        0x800,       // NEW_FLOATS
        0x1000,      // UNICODE_IO
        0x4000,      // SMALL_ATOM_TAGS
        0x10000,     // UTF8_ATOMS
        0x20000,     // MAP_TAG
        0x40000,     // BIG_CREATION
        0x400000,    // EXIT_PAYLOAD
        0x1000000,   // HANDSHAKE_23
        0x2000000,   // UNLINK_ID
        0x4000000,   // MANDATORY_25_DIGEST
        0x4 << 32,   // V4_NC
    ].reduce(0, |)

    /// `'N'`, flags, creation, our name.
    public static func nameMessage(name: String, creation: UInt32, lengthBytes: Int = 2) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(UInt8(ascii: "N"))
        body.writeInteger(flags)
        body.writeInteger(creation)
        let bytes = Array(name.utf8)
        body.writeInteger(UInt16(bytes.count))
        body.writeBytes(bytes)
        return framed(body, lengthBytes: lengthBytes)
    }

    static func framed(_ body: ByteBuffer, lengthBytes: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        if lengthBytes == 4 { buffer.writeInteger(UInt32(body.readableBytes)) } else { buffer.writeInteger(UInt16(body.readableBytes)) }
        buffer.writeImmutableBuffer(body)
        return buffer
    }

    /// Checks `recv_status`: "ok" and "ok_simultaneous" go on; anything else is a refusal in the node's words.
    public static func checkStatus(_ frame: ByteBuffer, node: String) throws(DistributionError) {
        var frame = frame
        guard frame.readInteger(as: UInt8.self) == UInt8(ascii: "s"), let status = frame.readString(length: frame.readableBytes) else {
            throw .protocolError(node: node, detail: "the handshake status is malformed")
        }
        switch status {
        case "ok", "ok_simultaneous": return
        case "alive": throw .refused(node: node, detail: "a node of our name is already connected")
        case "not_allowed": throw .refused(node: node, detail: "the node does not allow connections from this host")
        default: throw .refused(node: node, detail: "the node answered '\(status)'")
        }
    }

    /// The node's challenge from its `'N'` message.
    public static func parseChallenge(_ frame: ByteBuffer, node: String) throws(DistributionError) -> (flags: UInt64, challenge: UInt32, creation: UInt32, name: String) {
        var frame = frame
        guard frame.readInteger(as: UInt8.self) == UInt8(ascii: "N"), let flags = frame.readInteger(as: UInt64.self),
              let challenge = frame.readInteger(as: UInt32.self), let creation = frame.readInteger(as: UInt32.self),
              let length = frame.readInteger(as: UInt16.self), let name = frame.readString(length: Int(length)) else {
            throw .protocolError(node: node, detail: "the node's challenge is malformed (is it older than OTP 23?)")
        }
        return (flags, challenge, creation, name)
    }

    /// `gen_digest/2`: md5 of the cookie followed by the challenge in decimal.
    public static func digest(challenge: UInt32, cookie: String) -> [UInt8] {
        Array(Insecure.MD5.hash(data: Array((cookie + String(challenge)).utf8)))
    }

    /// `'r'`, our challenge, the digest of theirs.
    public static func challengeReply(ourChallenge: UInt32, theirChallenge: UInt32, cookie: String, lengthBytes: Int = 2) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(UInt8(ascii: "r"))
        body.writeInteger(ourChallenge)
        body.writeBytes(digest(challenge: theirChallenge, cookie: cookie))
        return framed(body, lengthBytes: lengthBytes)
    }

    /// Checks `'a'` and the digest of our challenge: proof that the node has the same cookie.
    public static func checkAck(_ frame: ByteBuffer, ourChallenge: UInt32, cookie: String, node: String) throws(DistributionError) {
        var frame = frame
        guard frame.readInteger(as: UInt8.self) == UInt8(ascii: "a"), let digest = frame.readBytes(length: 16) else {
            throw .protocolError(node: node, detail: "the handshake acknowledgement is malformed")
        }
        guard digest == Self.digest(challenge: ourChallenge, cookie: cookie) else {
            throw .refused(node: node, detail: "the node's answer to our challenge is wrong (different cookies)")
        }
    }
}
