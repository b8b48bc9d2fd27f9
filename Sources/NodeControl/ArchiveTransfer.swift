import Crypto
import ErlangTerm
import Foundation

/// Sends an upgrade archive into a file on the node through the distribution connection, in pieces, and proves the
/// node holds exactly the archive's bytes before anything unpacks it.
///
/// The pieces go to `<destination>.part` (`file:write_file/3` with `append`), so that a connection that drops
/// mid-way leaves no file release_handler would take for a whole archive; the node then hashes the part file itself
/// (sha256 with `crypto`, else `erlang:md5` when the node's release has no crypto application), and only a file with
/// the archive's hash is renamed to `destination`. A mismatch deletes the part file and fails the unpack (exit 4).
public enum ArchiveTransfer {
    /// 4 MiB: small enough that no single distribution message holds a large archive, and that progress moves;
    /// large enough that the calls' round trips cost little next to the bytes.
    public static let pieceSize = 4 << 20

    /// Bytes sent so far and the total, after each piece.
    public typealias Progress = @Sendable (_ sent: Int, _ total: Int) -> Void

    public static func send(_ session: inout NodeSession, _ bytes: [UInt8], to destination: String, progress: Progress? = nil) async throws {
        let part = destination + ".part"
        _ = try await session.call("file", "delete", [.text(part)])
        var offset = 0
        repeat {
            let end = min(offset + pieceSize, bytes.count)
            let answer = try await session.call("file", "write_file", [.text(part), .binary(Array(bytes[offset..<end])), .list([.atom("append"), .atom("binary")])])
            guard answer == .atom("ok") else {
                await discard(&session, part)
                throw AgentFailure(.unpack, "writing \(part) on the node (bytes \(offset) to \(end) of \(bytes.count)): \(TermWriter.render(answer)); is its disk full?")
            }
            if offset == 0, Failpoint.isSelected("transfer") { Failpoint.pause("transfer") }
            offset = end
            progress?(offset, bytes.count)
        } while offset < bytes.count

        try await verify(&session, part: part, bytes: bytes)
        let renamed = try await session.call("file", "rename", [.text(part), .text(destination)])
        guard renamed == .atom("ok") else {
            await discard(&session, part)
            throw AgentFailure(.unpack, "renaming \(part) to \(destination) on the node: \(TermWriter.render(renamed))")
        }
    }

    /// The node hashes what it holds; anything but the archive's hash deletes the part file and fails.
    static func verify(_ session: inout NodeSession, part: String, bytes: [UInt8]) async throws {
        // One round trip, the file read and hashed where it is: {sha256, Hash}, {md5, Hash} or {error, Reason}.
        let answer = try await session.evaluate("""
            case file:read_file(Part) of
                {ok, Bytes} ->
                    case erlang:function_exported(crypto, hash, 2) orelse code:ensure_loaded(crypto) =:= {module, crypto} of
                        true -> try {sha256, crypto:hash(sha256, Bytes)} catch _:_ -> {md5, erlang:md5(Bytes)} end;
                        false -> {md5, erlang:md5(Bytes)}
                    end;
                Error -> Error
            end
            """, bindings: [("Part", .text(part))])
        let expected: [UInt8]
        let algorithm: String
        switch answer.tupleElements?.first {
        case .atom("sha256")?:
            algorithm = "sha256"
            expected = Array(SHA256.hash(data: bytes))
        case .atom("md5")?:
            algorithm = "md5 (the node has no crypto application)"
            expected = Array(Insecure.MD5.hash(data: bytes))
        default:
            await discard(&session, part)
            throw AgentFailure(.unpack, "the node could not read back \(part): \(TermWriter.render(answer))")
        }
        guard case .binary(let held)? = answer.tupleElements?.last, held == expected else {
            await discard(&session, part)
            throw AgentFailure(.unpack, "the archive on the node is not the one sent: its \(algorithm) differs (\(part) deleted); the file was changed or cut during the transfer, run the command again")
        }
    }

    /// Deletes the part file (a leftover of an earlier run, or what a failed transfer wrote), whatever is there.
    static func discard(_ session: inout NodeSession, _ part: String) async {
        _ = try? await session.call("file", "delete", [.text(part)])
    }
}
