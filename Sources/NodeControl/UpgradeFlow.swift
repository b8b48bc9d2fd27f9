import Distribution
import ErlangTerm
import Foundation

/// The whole upgrade of one node, resumable: a rerun after any interruption (the agent or the node killed, the
/// connection cut) goes on from the state the node is in, as release_handler records it, instead of failing on
/// a step already done.
///
/// - target permanent (and current): nothing to do, said so;
/// - target current, not permanent (installed, then interrupted): check the code and health, make it permanent;
/// - target unpacked or old: check the files, install, and on;
/// - target unknown: unpack (removing what an earlier failed unpack left), install, and on.
///
/// An upgrade to another emulator (the archive's erts is not the node's) restarts the node: `run` then ends in
/// `.restarting`, and `continueAfterRestart` takes over once the node is back (`runAcrossRestarts` does both).
public enum UpgradeFlow {
    public struct Options: Sendable {
        public var makePermanent = true
        public var health = HealthCheck()
        /// Check the loaded code against the archive after the install (relswap rehearse checks it itself, against
        /// the whole release, and reports it as its own check).
        public var verifyCode = true
        /// Told how much of the archive has been sent to the node.
        public var progress: ArchiveTransfer.Progress?

        public init(makePermanent: Bool = true, health: HealthCheck = HealthCheck(), verifyCode: Bool = true,
                    progress: ArchiveTransfer.Progress? = nil) {
            self.makePermanent = makePermanent
            self.health = health
            self.verifyCode = verifyCode
            self.progress = progress
        }
    }

    /// Where `run` left the node.
    public enum Outcome: Sendable {
        case done(String)
        /// The node was already at the target, permanent: nothing was done.
        case alreadyThere(String)
        /// `install_release` answered `{continue_after_restart, ...}`: heart is restarting the node into the new
        /// emulator, where release_handler finishes the install.
        case restarting(Restart)
        /// The check after the restart failed, and the node is rebooting into the permanent release, which runs
        /// the old emulator: `failure` is reported once it is back.
        case rollingBack(failure: AgentFailure, permanent: ReleaseSteps.KnownRelease, rebootedFrom: String)
    }

    /// What the part after an emulator restart needs to know of the part before it.
    public struct Restart: Sendable {
        var previous: ReleaseSteps.KnownRelease?
        var previousErts: String
        /// The emulator's OS pid before the restart: a node that answers with it has not restarted yet.
        var osPid: String
        var resumed: String
    }

    public static func run(_ session: inout NodeSession, archive: UpgradeArchiveCheck, options: Options) async throws -> Outcome {
        var known = try await ReleaseSteps.which(&session)
        let target = known.first { $0.version == archive.version }
        if target?.status == "permanent" {
            return .alreadyThere("already at \(archive.releaseName) \(archive.version) (permanent); nothing to do")
        }
        var resumed = ""
        if let target, target.status == "unpacked" || target.status == "old" {
            guard let root = try await session.call("code", "root_dir", []).stringValue else {
                throw AgentFailure(.unpack, "the node did not say where its root is")
            }
            try await CodeVerification.checkFiles(&session, root: root, archive: archive)
            resumed = " (resumed: \(archive.version) was already unpacked)"
        } else if target == nil {
            try await ReleaseSteps.unpack(&session, archive, progress: options.progress)
            known = try await ReleaseSteps.which(&session)
        }
        let previous = known.first { $0.status == "permanent" }
        if target?.status != "current" {
            let erts = try await session.call("erlang", "system_info", [.atom("version")]).stringValue ?? ""
            if erts != archive.ertsVersion {
                let osPid = try await session.call("os", "getpid", []).stringValue ?? ""
                try await ReleaseSteps.installNewEmulator(&session, archive.version, from: erts, to: archive.ertsVersion)
                return .restarting(Restart(previous: previous, previousErts: erts, osPid: osPid, resumed: resumed))
            }
            try await ReleaseSteps.install(&session, archive.version)
        } else {
            resumed = " (resumed: \(archive.version) was already installed)"
        }
        return try await finish(&session, archive: archive, options: options, previous: previous, resumed: resumed)
    }

    /// After an emulator restart, on the node that came back: it must run the new release on the new emulator;
    /// then the code check, the health check and make_permanent, as after any install. A node that came back on
    /// the permanent release (the new emulator did not start, and bin/start started the permanent one) fails the
    /// upgrade: nothing was made permanent. Throws `NotBackYet` while the node has not restarted or is still
    /// finishing the install.
    public static func continueAfterRestart(_ session: inout NodeSession, archive: UpgradeArchiveCheck, options: Options,
                                            restart: Restart) async throws -> Outcome {
        let osPid = try await session.call("os", "getpid", []).stringValue ?? ""
        guard osPid != restart.osPid else { throw NotBackYet() }
        let erts = try await session.call("erlang", "system_info", [.atom("version")]).stringValue ?? ""
        let known = try await ReleaseSteps.which(&session)
        let current = known.first { $0.status == "current" } ?? known.first { $0.status == "permanent" }
        if erts == archive.ertsVersion {
            guard current?.version == archive.version else { throw NotBackYet() }  // release_handler is finishing the install
        } else {
            let running = current.map { "\($0.name) \($0.version)" } ?? "its permanent release"
            throw AgentFailure(.install, "the node restarted on erts \(erts), running \(running), not on erts \(archive.ertsVersion) with \(archive.version): the new emulator did not come up, and the permanent release started instead; nothing was made permanent")
        }
        do {
            return try await finish(&session, archive: archive, options: options, previous: restart.previous,
                                    resumed: restart.resumed + " (the node restarted into erts \(erts))", rollBack: false)
        } catch let failure as AgentFailure where failure.step == .verify || failure.step == .health {
            guard let permanent = restart.previous else { throw failure }
            // The old emulator is not loaded any more: the way back is a reboot, which boots the permanent release.
            _ = try? await session.call("init", "reboot", [], timeout: 5)
            return .rollingBack(failure: failure, permanent: permanent, rebootedFrom: osPid)
        }
    }

    /// The node is back after a rollback reboot: it must run the permanent release on the old emulator.
    static func confirmRolledBack(_ session: inout NodeSession, restart: Restart, permanent: ReleaseSteps.KnownRelease,
                                  after failure: AgentFailure, rebootedFrom osPid: String) async throws -> AgentFailure {
        let pid = try await session.call("os", "getpid", []).stringValue ?? ""
        guard pid != osPid else { throw NotBackYet() }
        let erts = try await session.call("erlang", "system_info", [.atom("version")]).stringValue ?? ""
        let known = try await ReleaseSteps.which(&session)
        let current = known.first { $0.status == "current" } ?? known.first { $0.status == "permanent" }
        guard current?.version == permanent.version else {
            return AgentFailure(failure.step, "\(failure.message); the node rebooted, but runs \(current?.version ?? "no known release"), not the permanent \(permanent.version)")
        }
        return AgentFailure(failure.step, "\(failure.message); rolled back: the node rebooted into \(permanent.version) on erts \(erts), which stays permanent", rolledBack: true)
    }

    /// A node that has not restarted yet, or is still finishing the install: try again shortly.
    public struct NotBackYet: Error {}

    /// Runs the whole upgrade, across an emulator restart if the archive brings another erts: `withSession` opens a
    /// new session with the node for each part; while the node restarts it is retried every half second, up to
    /// `restartTimeout` seconds.
    public static func runAcrossRestarts(archive: UpgradeArchiveCheck, options: Options, restartTimeout: Double,
                                         withSession: (_ body: (inout NodeSession) async throws -> Outcome) async throws -> Outcome) async throws -> NodeSuccess {
        let first = try await withSession { session in try await run(&session, archive: archive, options: options) }
        guard case .restarting(let restart) = first else {
            if case .done(let message) = first { return NodeSuccess(message) }
            if case .alreadyThere(let message) = first { return NodeSuccess(message, unchanged: true) }
            throw AgentFailure(.install, "unexpected state before the restart")
        }
        let after = try await untilBack(restartTimeout, what: "restarting into erts \(archive.ertsVersion)") {
            try await withSession { session in try await continueAfterRestart(&session, archive: archive, options: options, restart: restart) }
        }
        switch after {
        case .done(let message), .alreadyThere(let message): return NodeSuccess(message)
        case .restarting: throw AgentFailure(.install, "the node asked for a second emulator restart")
        case .rollingBack(let failure, let permanent, let pid):
            // The failure as it stands once the node is back (rolled back, or not on the permanent release).
            let back = Locked<AgentFailure>(failure)
            _ = try await untilBack(restartTimeout, what: "rebooting into \(permanent.version)") {
                try await withSession { session in
                    let confirmed = try await confirmRolledBack(&session, restart: restart, permanent: permanent, after: failure, rebootedFrom: pid)
                    back.update { $0 = confirmed }
                    return .done(confirmed.message)
                }
            }
            throw back.value
        }
    }

    /// Retries `attempt` while the node is unreachable, closes the connection or is not back yet, until `seconds`.
    static func untilBack(_ seconds: Double, what: String, _ attempt: () async throws -> Outcome) async throws -> Outcome {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            do {
                return try await attempt()
            } catch let failure as AgentFailure where failure.step == .unreachable || failure.step == .call || failure.step == .refused {
                if Date() >= deadline { throw AgentFailure(.install, "the node did not come back within \(Int(seconds)) s of \(what) (last: \(failure.message))") }
            } catch is NotBackYet {
                if Date() >= deadline { throw AgentFailure(.install, "the node did not finish \(what) within \(Int(seconds)) s") }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// After the install: the code check and the health check (a failure rolls back to the permanent release when
    /// `rollBack`), then make_permanent.
    static func finish(_ session: inout NodeSession, archive: UpgradeArchiveCheck, options: Options,
                       previous: ReleaseSteps.KnownRelease?, resumed: String, rollBack: Bool = true) async throws -> Outcome {
        do {
            // The node must run the archive's code, then pass its health check.
            if options.verifyCode {
                try await CodeVerification.checkLoaded(&session, archive: archive, libraries: Set(archive.libraries).subtracting(previous?.libraries ?? []))
            }
            if !options.health.isEmpty { try await options.health.run(&session) }
        } catch let failure as AgentFailure {
            guard rollBack, let previous else { throw failure }
            // Roll back: the previous release is still permanent, so installing it is enough.
            try await ReleaseSteps.install(&session, previous.version)
            throw AgentFailure(failure.step, "\(failure.message); rolled back to \(previous.version), which stays permanent", rolledBack: true)
        }
        if options.makePermanent { try await ReleaseSteps.permanent(&session, archive.version) }
        return .done("upgraded \(archive.releaseName) \(previous?.version ?? "?") -> \(archive.version)\(options.makePermanent ? "" : " (not permanent)")\(resumed)")
    }
}
