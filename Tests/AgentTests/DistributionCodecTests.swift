import Distribution
import ErlangTerm
import NIOCore
import TestSupport
import Testing

/// The distribution protocol's messages, without sockets.
@Suite struct DistributionCodecTests {
    /// dist_util:gen_digest/2 is erlang:md5([atom_to_list(Cookie), integer_to_list(Challenge)]).
    @Test func theChallengeDigestIsDistUtils() throws {
        let challenges: [UInt32] = [0, 1, 42, 123_456_789, UInt32.max]
        let cookie = "Sesame_Cookie-1"
        let expected = try ErlangOracle.evaluate(
            "[io:format(\"~s~n\", [binary:encode_hex(erlang:md5([\"\(cookie)\", integer_to_list(C)]))]) || C <- \(challenges)]")
        let ours = challenges.map { ErlangOracle.hex(Handshake.digest(challenge: $0, cookie: cookie)) }
        #expect(ours.joined(separator: "\n") + "\n" == expected)
    }

    @Test func theNameMessageCarriesFlagsCreationAndName() {
        var buffer = Handshake.nameMessage(name: "agent@host", creation: 0xABCD_0123)
        let length = buffer.readInteger(as: UInt16.self)
        let tag = buffer.readInteger(as: UInt8.self)
        let flags = buffer.readInteger(as: UInt64.self) ?? 0
        let creation = buffer.readInteger(as: UInt32.self)
        let nameLength = buffer.readInteger(as: UInt16.self)
        let name = buffer.readString(length: 10)
        #expect(length.map(Int.init) == 1 + 8 + 4 + 2 + 10, "tag, flags, creation, name length, name")
        #expect(tag == UInt8(ascii: "N"))
        #expect(flags & 0x01 == 0, "not PUBLISHED: a hidden node")
        #expect(flags & 0x0100_0000 != 0, "HANDSHAKE_23")
        #expect(creation == 0xABCD_0123)
        #expect(nameLength.map(Int.init) == 10)
        #expect(name == "agent@host")
    }

    @Test func aRefusedStatusIsNamedInTheNodesWords() {
        var frame = ByteBuffer()
        frame.writeInteger(UInt8(ascii: "s"))
        frame.writeString("not_allowed")
        #expect(throws: DistributionError.refused(node: "n@h", detail: "the node does not allow connections from this host")) {
            try Handshake.checkStatus(frame, node: "n@h")
        }
    }

    @Test func aSendRoundTripsThroughTheFraming() throws {
        let pid = Pid(node: "agent@host", id: 7, serial: 0, creation: 3)
        var framed = ControlMessage.send(to: pid, message: .tuple([.atom("ok"), "text", .binary([1, 2])]))
        let length = Int(framed.readInteger(as: UInt32.self) ?? 0)
        #expect(length == framed.readableBytes)
        let received = try #require(try ControlMessage.decode(framed, node: "n@h"))
        #expect(received.destination == pid)
        #expect(received.payload == .tuple([.atom("ok"), "text", .binary([1, 2])]))
        #expect(try ControlMessage.decode(ByteBuffer(), node: "n@h") == nil, "an empty message is a tick")
    }

    @Test func epmdsAnswerForAnUnknownNameIsNil() throws {
        var unknown = ByteBuffer(bytes: [119, 1])
        let none = try EPMDMessages.parsePortResponse(&unknown)
        #expect(none == nil)
        var known = ByteBuffer(bytes: [119, 0, 0x1F, 0x90, 77, 0, 0, 6, 0, 6])
        let port = try EPMDMessages.parsePortResponse(&known)?.port
        #expect(port == 8080)
    }
}
