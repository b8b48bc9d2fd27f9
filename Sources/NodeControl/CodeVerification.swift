import Distribution
import ErlangTerm

/// The node's files and code against the archive's (files by md5, loaded code by `beam_lib:md5`): a release_handler step that answers ok is not proof
/// that the node runs the new code (a retried unpack keeps files an earlier failed one left, as `unpack_release`
/// extracts with `keep_old_files`).
enum CodeVerification {
    /// The `lib/<app>-<vsn>` directories of the archive that no release the node knows uses, though they exist on the
    /// node: what an earlier, failed unpack left. Removed before unpacking, so that the archive's files are the ones
    /// extracted.
    static func removeLeftovers(_ session: inout NodeSession, root: String, archive: UpgradeArchiveCheck) async throws -> [String] {
        let known = try await ReleaseSteps.which(&session)
        let used = Set(known.flatMap(\.libraries)), versions = Set(known.map(\.version))
        var removed = [String]()
        var directories = archive.libraries.filter { !used.contains($0) }.map { "\(root)/lib/\($0)" }
        if !versions.contains(archive.version) { directories.append("\(root)/releases/\(archive.version)") }
        for directory in directories where try await session.call("filelib", "is_dir", [.text(directory)]) == .atom("true") {
            try ReleaseSteps.expectOK(try await session.call("file", "del_dir_r", [.text(directory)]), .unpack,
                                      "removing \(directory), which an earlier unpack left and no release uses")
            removed.append(directory)
        }
        return removed
    }

    /// Directories of the archive that do not exist on the node yet: what a failed unpack must take away again.
    static func missingDirectories(_ session: inout NodeSession, root: String, archive: UpgradeArchiveCheck) async throws -> [String] {
        var missing = [String]()
        for directory in archive.libraries.map({ "\(root)/lib/\($0)" }) + ["\(root)/releases/\(archive.version)"]
        where try await session.call("filelib", "is_dir", [.text(directory)]) == .atom("false") {
            missing.append(directory)
        }
        return missing
    }

    /// After unpack: every beam of the archive is on the node, byte for byte (the whole file's md5, computed on the
    /// node: one call per library, and no `beam_lib`, which an older emulator cannot use on a newer OTP's beams).
    static func checkFiles(_ session: inout NodeSession, root: String, archive: UpgradeArchiveCheck) async throws {
        for (library, beams) in archive.beams.sorted(by: { $0.key < $1.key }) {
            let paths = beams.map { "\(root)/lib/\(library)/ebin/\($0.module).beam" }
            let answer = try await session.evaluate(
                "[case file:read_file(P) of {ok, B} -> erlang:md5(B); {error, Reason} -> Reason end || P <- Paths]",
                bindings: [("Paths", .list(paths.map { .text($0) }))])
            guard let digests = answer.listElements, digests.count == paths.count else {
                throw AgentFailure(.verify, "the node did not say what it holds under \(root)/lib/\(library): \(TermWriter.render(answer).prefix(200))")
            }
            for ((path, beam), digest) in zip(zip(paths, beams), digests) {
                guard case .binary(let md5) = digest else {
                    throw AgentFailure(.verify, "\(path) on the node cannot be read after the unpack: \(TermWriter.render(digest))")
                }
                guard md5 == beam.fileMD5 else {
                    throw AgentFailure(.verify, "\(path) on the node is not the archive's (its md5 differs): a file an earlier unpack left was kept; remove version \(archive.version) (relswap-agent remove \(archive.version)) and upgrade again")
                }
            }
        }
    }

    /// After install: every module of the archive's upgraded libraries that is loaded runs the archive's code.
    /// - Parameter libraries: the `app-vsn` directories the new release brings (not those it shares with the old one).
    static func checkLoaded(_ session: inout NodeSession, archive: UpgradeArchiveCheck, libraries: Set<String>) async throws {
        var stale = [String]()
        for (library, beams) in archive.beams.sorted(by: { $0.key < $1.key }) where libraries.contains(library) {
            for beam in beams {
                guard try await session.call("code", "is_loaded", [.atom(beam.module)]) != .atom("false") else { continue }
                let answer = try await session.call("erlang", "get_module_info", [.atom(beam.module), .atom("md5")])
                // A consolidated protocol runs its consolidated code (mix releases), not its ebin beam.
                if case .binary(let md5) = answer, md5 == archive.consolidated[beam.module] ?? beam.md5 { continue }
                stale.append(beam.module)
            }
        }
        guard stale.isEmpty else {
            throw AgentFailure(.verify, "after install_release(\"\(archive.version)\") the node still runs other code than the archive's for \(stale.joined(separator: ", ")) (Mod:module_info(md5) differs)")
        }
    }
}
