import Distribution
import ErlangTerm

/// The whole upgrade of one node, resumable: a rerun after any interruption (the agent or the node killed, the
/// connection cut) goes on from the state the node is in, as release_handler records it, instead of failing on
/// a step already done.
///
/// - target permanent (and current): nothing to do, said so;
/// - target current, not permanent (installed, then interrupted): check the code and health, make it permanent;
/// - target unpacked or old: check the files, install, and on;
/// - target unknown: unpack (removing what an earlier failed unpack left), install, and on.
public enum UpgradeFlow {
    public struct Options: Sendable {
        public var makePermanent = true
        public var health = HealthCheck()
        /// Check the loaded code against the archive after the install (relswap rehearse checks it itself, against
        /// the whole release, and reports it as its own check).
        public var verifyCode = true

        public init(makePermanent: Bool = true, health: HealthCheck = HealthCheck(), verifyCode: Bool = true) {
            self.makePermanent = makePermanent
            self.health = health
            self.verifyCode = verifyCode
        }
    }

    public static func run(_ session: inout NodeSession, archive: UpgradeArchiveCheck, options: Options) async throws -> String {
        var known = try await ReleaseSteps.which(&session)
        let target = known.first { $0.version == archive.version }
        if target?.status == "permanent" {
            return "already at \(archive.releaseName) \(archive.version) (permanent); nothing to do"
        }
        var resumed = ""
        if let target, target.status == "unpacked" || target.status == "old" {
            guard let root = try await session.call("code", "root_dir", []).stringValue else {
                throw AgentFailure(.unpack, "the node did not say where its root is")
            }
            try await CodeVerification.checkFiles(&session, root: root, archive: archive)
            resumed = " (resumed: \(archive.version) was already unpacked)"
        } else if target == nil {
            try await ReleaseSteps.unpack(&session, archive)
            known = try await ReleaseSteps.which(&session)
        }
        let previous = known.first { $0.status == "permanent" }
        if target?.status != "current" {
            try await ReleaseSteps.install(&session, archive.version)
        } else {
            resumed = " (resumed: \(archive.version) was already installed)"
        }
        do {
            // The node must run the archive's code, then pass its health check.
            if options.verifyCode {
                try await CodeVerification.checkLoaded(&session, archive: archive, libraries: Set(archive.libraries).subtracting(previous?.libraries ?? []))
            }
            if !options.health.isEmpty { try await options.health.run(&session) }
        } catch let failure as AgentFailure {
            guard let previous else { throw failure }
            // Roll back: the previous release is still permanent, so installing it is enough.
            try await ReleaseSteps.install(&session, previous.version)
            throw AgentFailure(failure.step, "\(failure.message); rolled back to \(previous.version), which stays permanent")
        }
        if options.makePermanent { try await ReleaseSteps.permanent(&session, archive.version) }
        return "upgraded \(archive.releaseName) \(previous?.version ?? "?") -> \(archive.version)\(options.makePermanent ? "" : " (not permanent)")\(resumed)"
    }
}
