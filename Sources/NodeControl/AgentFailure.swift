import Distribution
import ErlangTerm

/// A failed step, with the class that decides the exit code.
public struct AgentFailure: Error, CustomStringConvertible {
    public enum Step: String, Sendable {
        case unreachable, refused, unpack, check, install, health, permanent, call, archive, verify, preflight
        /// Documented in docs/agent.md.
        public var exitCode: Int32 {
            switch self {
            case .call, .archive: return 1
            case .unreachable: return 2
            case .refused: return 3
            case .unpack: return 4
            case .check: return 5
            case .install: return 6
            case .health: return 7
            case .permanent: return 8
            case .verify: return 9
            case .preflight: return 10
            }
        }
    }

    public var step: Step
    public var message: String
    /// The node was put back on its permanent release after the failure.
    public var rolledBack = false
    public var description: String { message }

    public init(_ step: Step, _ message: String, rolledBack: Bool = false) {
        self.step = step
        self.message = message
        self.rolledBack = rolledBack
    }

    public init(_ error: DistributionError) {
        switch error {
        case .unreachable: self.init(.unreachable, error.description)
        case .refused: self.init(.refused, error.description)
        case .protocolError, .timeout: self.init(.call, error.description)
        }
    }

    /// release_handler's error reasons, as sentences that say what to do.
    static func explain(_ reason: Term) -> String {
        let parts = reason.tupleElements ?? []
        let kind = parts.first?.atomValue ?? reason.atomValue
        func text(_ index: Int) -> String { parts.count > index ? (parts[index].stringValue ?? TermWriter.render(parts[index])) : "?" }
        switch kind {
        case "existing_release":
            return "version \(text(1)) is already unpacked on the node; install it, or remove it first with relswap-agent remove \(text(1))"
        case "no_matching_relup":
            return "the relup has no script from the running version \(text(2)) to \(text(1)); generate the upgrade with --previous pointing at release \(text(2))"
        case "no_such_release":
            return "the node has no release \(text(1)); relswap-agent releases lists the ones it has"
        case "no_such_file":
            return "the node has no file \(text(1)); check that the archive reached the node's releases directory"
        case "bad_relup_file":
            return "the relup \(text(1)) cannot be read; regenerate the upgrade with relswap generate-upgrade"
        case "old_processes":
            return "processes still run old code of \(text(1)); they must finish (or be stopped) before a new version of it can be loaded"
        case "bad_status":
            return "the release's status is \(text(1)), which does not allow this step (make_permanent needs the current release)"
        case "already_installed", "already_permanent":
            return "version \(text(1)) is already \(kind == "already_installed" ? "installed" : "permanent")"
        case "enoent":
            return "the node has no file \(text(1))"
        case "cannot_extract_file":
            return "the node could not extract \(text(1)) from the archive: \(text(2))"
        case "bad_rel_file", "bad_rel_data":
            return "the release file in the archive is malformed (\(TermWriter.render(reason)))"
        default:
            return "release_handler answered {error, \(TermWriter.render(reason))}"
        }
    }
}
