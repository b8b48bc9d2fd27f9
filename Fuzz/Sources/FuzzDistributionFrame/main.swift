import FuzzSupport
import Distribution
import NIOCore

/// What a node or epmd sends: control messages, handshake frames and epmd answers are decoded or refused.
runFuzzer { bytes in
    let buffer = ByteBuffer(bytes: bytes)
    _ = try? ControlMessage.decode(buffer, node: "fuzz@host")
    _ = try? Handshake.parseChallenge(buffer, node: "fuzz@host")
    _ = try? Handshake.checkStatus(buffer, node: "fuzz@host")
    _ = try? Handshake.checkAck(buffer, ourChallenge: 42, cookie: "fuzz", node: "fuzz@host")
    var epmd = buffer
    _ = try? EPMDMessages.parsePortResponse(&epmd)
}
