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
    }

    public var releaseName: String
    public var fromVersion: String
    public var toVersion: String
    /// Applications whose version changed, in the new release's order.
    public var upgraded: [Application]
    public var added: [(name: String, version: String)]
    public var removed: [(name: String, version: String)]
    public var unchanged: [(name: String, version: String)]
    public var warnings: [String]
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
