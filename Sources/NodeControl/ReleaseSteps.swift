import Distribution
import ErlangTerm
import Foundation

/// The release_handler steps, each a call on the node whose `{error, Reason}` becomes an `AgentFailure`
/// of its class.
public enum ReleaseSteps {
    /// A release the node knows, as `release_handler:which_releases/0` lists it.
    public struct KnownRelease: Sendable {
        public var name: String
        public var version: String
        /// `permanent`, `current`, `old` or `unpacked`.
        public var status: String
        /// `app-vsn` of its libraries.
        public var libraries: Set<String>
    }

    /// `release_handler:which_releases/0`, read once for every step that needs it.
    public static func which(_ session: inout NodeSession) async throws -> [KnownRelease] {
        let answer = try await session.call("release_handler", "which_releases", [])
        guard let list = answer.listElements else { throw AgentFailure(.call, "which_releases answered \(TermWriter.render(answer))") }
        return list.compactMap { entry in
            guard let parts = entry.tupleElements, parts.count == 4, let name = parts[0].stringValue,
                  let version = parts[1].stringValue, let status = parts[3].atomValue else { return nil }
            let libraries = Set(parts[2].listElements?.compactMap { $0.stringValue.map { String($0.split(separator: "/").last ?? "") } } ?? [])
            return KnownRelease(name: name, version: version, status: status, libraries: libraries)
        }
    }

    /// `{ok, ...}` or `ok` passes; `{error, Reason}` and `{badrpc, Reason}` fail as `step`.
    public static func expectOK(_ answer: Term, _ step: AgentFailure.Step, _ what: String) throws {
        if answer == .atom("ok") || answer.tupleElements?.first == .atom("ok") { return }
        if let parts = answer.tupleElements, parts.count == 2, parts[0] == .atom("error") {
            throw AgentFailure(step, "\(what): " + AgentFailure.explain(parts[1]))
        }
        throw AgentFailure(step, "\(what): the node answered \(TermWriter.render(answer))")
    }

    /// A node booted without `releases/RELEASES` (as `mix release` leaves it) has a release_handler that
    /// invented an entry with no libraries, which makes a downgrade crash: write the file from the running
    /// release's .rel and restart release_handler so that it reads it.
    public static func ensureReleasesFile(_ session: inout NodeSession, root: String) async throws {
        let file = "\(root)/releases/RELEASES"
        guard try await session.call("filelib", "is_regular", [.text(file)]) == .atom("false") else { return }
        guard let scriptID = try await session.call("init", "script_id", []).tupleElements, scriptID.count == 2,
              let name = scriptID[0].stringValue, let version = scriptID[1].stringValue else {
            throw AgentFailure(.unpack, "the node has no releases/RELEASES and did not say which release it runs")
        }
        try expectOK(try await session.call("release_handler", "create_RELEASES",
                                            [.text(root), .text("\(root)/releases"), .text("\(root)/releases/\(version)/\(name).rel"), .list([])]),
                     .unpack, "creating \(file)")
        _ = try await session.call("supervisor", "terminate_child", [.atom("sasl_sup"), .atom("release_handler")])
        try expectOK(try await session.call("supervisor", "restart_child", [.atom("sasl_sup"), .atom("release_handler")]),
                     .unpack, "restarting release_handler so that it reads \(file)")
    }

    /// Sends the archive into the node's releases directory and unpacks it, then checks that the node's files are the
    /// archive's. What an earlier failed unpack left is removed first; a failed unpack takes away what it created.
    public static func unpack(_ session: inout NodeSession, _ archive: UpgradeArchiveCheck, progress: ArchiveTransfer.Progress? = nil) async throws {
        guard let root = try await session.call("code", "root_dir", []).stringValue else {
            throw AgentFailure(.unpack, "the node did not say where its root is")
        }
        try await ensureReleasesFile(&session, root: root)
        _ = try await CodeVerification.removeLeftovers(&session, root: root, archive: archive)
        let created = try await CodeVerification.missingDirectories(&session, root: root, archive: archive)
        let destination = "\(root)/releases/\(archive.package).tar.gz"
        try await ArchiveTransfer.send(&session, archive.bytes, to: destination, progress: progress)
        let answer = try await session.call("release_handler", "unpack_release", [.text(archive.package)], timeout: max(session.timeout, 300))
        do {
            try expectOK(answer, .unpack, "unpack_release(\"\(archive.package)\")")
        } catch {
            // Nothing of the failed unpack stays: a retry then meets neither existing_release nor old files.
            if answer.tupleElements?.last?.tupleElements?.first != .atom("existing_release") {
                _ = try? await session.call("release_handler", "remove_release", [.text(archive.version)])
                for directory in created { _ = try? await session.call("file", "del_dir_r", [.text(directory)]) }
            }
            _ = try? await session.call("file", "delete", [.text(destination)])
            throw error
        }
        try await CodeVerification.checkFiles(&session, root: root, archive: archive)
    }

    public static func install(_ session: inout NodeSession, _ version: String) async throws {
        try expectOK(try await session.call("release_handler", "check_install_release", [.text(version)], timeout: max(session.timeout, 300)),
                     .check, "check_install_release(\"\(version)\")")
        try expectOK(try await session.call("release_handler", "install_release", [.text(version)], timeout: max(session.timeout, 300)),
                     .install, "install_release(\"\(version)\")")
    }

    /// install_release of a release on another emulator: no check_install_release first (the old emulator's
    /// beam_lib cannot read the new OTP's beams, so it fails where the install would not); the answer must be
    /// `{continue_after_restart, OldVsn, Descr}`, after which heart restarts the node through `bin/start`.
    public static func installNewEmulator(_ session: inout NodeSession, _ version: String, from erts: String, to newErts: String) async throws {
        let answer = try await session.call("release_handler", "install_release", [.text(version)], timeout: max(session.timeout, 300))
        if answer.tupleElements?.first == .atom("continue_after_restart") { return }
        if let parts = answer.tupleElements, parts.count == 2, parts[0] == .atom("error") {
            let reason = AgentFailure.explain(parts[1])
            let hint = TermWriter.render(parts[1]).contains("heart") ? " (the node runs without heart, which release_handler restarts it through: start it with -heart, relswap generate --heart)" : ""
            throw AgentFailure(.install, "install_release(\"\(version)\") from erts \(erts) to \(newErts): \(reason)\(hint)")
        }
        throw AgentFailure(.install, "install_release(\"\(version)\") from erts \(erts) to \(newErts) answered \(TermWriter.render(answer)), not continue_after_restart")
    }

    public static func permanent(_ session: inout NodeSession, _ version: String) async throws {
        try expectOK(try await session.call("release_handler", "make_permanent", [.text(version)]), .permanent, "make_permanent(\"\(version)\")")
    }
}

/// After an install: an HTTP GET that must answer 2xx, or a call that must return ok or true; tried again every
/// second until it passes or `timeout` seconds have gone (0: once).
public struct HealthCheck: Sendable {
    public var url: String?
    public var call: String?
    public var timeout: Double
    /// The CA certificates (PEM) an https URL's certificate must be signed by; nil: the system's.
    public var authority: String?

    public init(url: String? = nil, call: String? = nil, timeout: Double = 0, authority: String? = nil) {
        self.url = url
        self.call = call
        self.timeout = timeout
        self.authority = authority
    }

    public var isEmpty: Bool { url == nil && call == nil }

    /// The same check for the node on `host`: `{host}` in the URL becomes it (one URL template for a fleet).
    public func forHost(_ host: String) -> HealthCheck {
        HealthCheck(url: url?.replacingOccurrences(of: "{host}", with: host), call: call, timeout: timeout, authority: authority)
    }

    public func run(_ session: inout NodeSession) async throws {
        if Failpoint.isSelected("health") { Failpoint.pause("health") }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do {
                try await once(&session)
                return
            } catch let failure as AgentFailure where failure.step == .health && Date() < deadline {
                try await Task.sleep(for: .seconds(1))
            } catch let failure as AgentFailure where failure.step == .health && timeout > 0 {
                throw AgentFailure(.health, "\(failure.message) (still, after \(Int(timeout)) s)")
            }
        }
    }

    func once(_ session: inout NodeSession) async throws {
        if let call {
            let parts = call.split(separator: ":").map(String.init)
            guard parts.count == 2 else { throw AgentFailure(.health, "--health-call takes Module:Function") }
            let answer = try await session.call(parts[0], parts[1], [])
            guard answer == .atom("ok") || answer == .atom("true") else {
                throw AgentFailure(.health, "\(call)() returned \(TermWriter.render(answer)), not ok or true")
            }
        }
        if let url {
            let status = try await HTTPGet.status(url, authority: authority)
            guard (200..<300).contains(status) else { throw AgentFailure(.health, "GET \(url) answered \(status)") }
        }
    }
}
