import NIOCore

/// The two epmd messages a client needs: `PORT_PLEASE2_REQ` and its `PORT2_RESP` (erts' epmd protocol).
public enum EPMDMessages {
    /// `[Length:16, 122, Alive]`.
    public static func portPleaseRequest(alive: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        let name = Array(alive.utf8)
        buffer.writeInteger(UInt16(name.count + 1))
        buffer.writeInteger(UInt8(122))
        buffer.writeBytes(name)
        return buffer
    }

    /// The node's distribution port and highest protocol version, or `nil` if epmd does not know the name.
    /// - Throws: if the bytes are not a `PORT2_RESP`.
    public static func parsePortResponse(_ buffer: inout ByteBuffer) throws(DistributionError) -> (port: Int, highestVersion: Int)? {
        guard let tag = buffer.readInteger(as: UInt8.self), tag == 119, let result = buffer.readInteger(as: UInt8.self) else {
            throw .protocolError(node: "epmd", detail: "epmd's answer is not a PORT2_RESP")
        }
        guard result == 0 else { return nil }
        guard let port = buffer.readInteger(as: UInt16.self), buffer.readInteger(as: UInt8.self) != nil,
              buffer.readInteger(as: UInt8.self) != nil, let highest = buffer.readInteger(as: UInt16.self) else {
            throw .protocolError(node: "epmd", detail: "epmd's PORT2_RESP is cut short")
        }
        return (Int(port), Int(highest))
    }
}
