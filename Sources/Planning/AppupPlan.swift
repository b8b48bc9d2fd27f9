import Beam
import ErlangTerm
import ReleaseModel

/// What `relswap generate-appups` decided for a pair of releases.
public struct AppupPlan: Sendable {
    /// A module that gets an instruction, and why.
    public struct ModuleChange: Sendable, Equatable {
        public var module: String
        /// `added`, `deleted` or `changed`.
        public var kind: String
        public var instruction: Term
        public var reason: String
    }

    /// Where an application's appup comes from.
    public enum AppupSource: Sendable, Equatable {
        /// Made by relswap.
        case generated
        /// Made by relswap, then changed by the project's override file.
        case overridden(file: String)
        /// Already in the new release and covering the old version: kept as it is.
        case kept(file: String)
        /// The application's hand-written `src/<app>.appup.src` (rebar2's and rebar3's convention), covering the old
        /// version: checked, and written to `ebin/<app>.appup` as rebar does.
        case handWritten(file: String)
    }

    public struct Application: Sendable {
        public var name: String
        public var fromVersion: String
        public var toVersion: String
        public var changes: [ModuleChange]
        /// Modules whose bytes differ but whose code (`beam_lib:md5`) does not.
        public var noiseOnly: [String]
        public var cycles: [[String]]
        public var appup: Appup
        public var source: AppupSource
        /// Where the appup is (or will be) written.
        public var path: String
        /// Supervisors whose children the upgrade adds or removes (their instructions are in the appup).
        public var children: [ChildChange] = []
        /// mix releases: consolidated protocols this appup loads after its own instructions.
        public var protocols: [String] = []

        /// False when a hand-written appup is used as it is, so that the generated instructions are not.
        public var usesGeneratedInstructions: Bool {
            switch source {
            case .generated, .overridden: return true
            case .kept, .handWritten: return false
            }
        }
    }

    public var releaseName: String
    public var fromVersion: String
    public var toVersion: String
    /// Applications whose version changed, in the new release's order.
    public var upgraded: [Application]
    public var added: [(name: String, version: String)]
    public var removed: [(name: String, version: String)]
    public var unchanged: [(name: String, version: String)]
    public var warnings: [AppupWarning]
    /// The hazards the two releases' beams show (issue 14), errors first.
    public var risks: [UpgradeRisk] = []
}

/// A module of an upgraded application that the appup in use does not cover.
public struct AppupCoverageGap: Sendable, Equatable, CustomStringConvertible {
    public var application: String
    public var module: String
    /// `added`, `deleted` or `changed`.
    public var kind: String
    /// `up` or `down`.
    public var direction: String
    public var fromVersion: String
    public var appupFile: String

    public var description: String {
        "\(appupFile): module \(module) of \(application) \(kind == "changed" ? "changed" : "was \(kind)"), but the \(direction == "up" ? "upgrade from" : "downgrade to") \(fromVersion) has no instruction for it"
    }
}

/// Something in the plan a person should look at, with a stable code for scripts.
public struct AppupWarning: Sendable, Equatable, CustomStringConvertible {
    /// `no_code_change`, `code_change_changed`, `behaviour_changed`, `cycle`, `children_unreadable`,
    /// `children_unaddressable`, `protocols_not_reloaded`.
    public var code: String
    public var application: String?
    public var module: String?
    public var message: String

    public init(code: String, application: String?, module: String? = nil, message: String) {
        self.code = code
        self.application = application
        self.module = module
        self.message = message
    }

    public var description: String { (application.map { "\($0): " } ?? "") + message }
}
