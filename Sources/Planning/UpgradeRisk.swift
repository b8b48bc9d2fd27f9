/// A hazard of the upgrade that no appup shows, found from the two releases' beams.
public struct UpgradeRisk: Sendable, Equatable, CustomStringConvertible {
    public enum Level: String, Sendable {
        /// `--check` fails unless accepted (`--accept CODE:Module`).
        case error
        case warning
        /// A check that could not run (no debug info): never read as "no risk".
        case info
    }

    /// `state_changed`, `code_change_no_match`, `native_code_changed`, `calls_break`, `module_moved`,
    /// `behaviour_changed`, `unknown`.
    public var code: String
    public var level: Level
    public var application: String
    public var module: String?
    /// What was seen.
    public var seen: String
    /// What to do.
    public var fix: String
    /// Accepted by the user (`--accept CODE:Module`): reported, but no longer fails `--check`.
    public var accepted = false

    public init(code: String, level: Level, application: String, module: String?, seen: String, fix: String) {
        self.code = code
        self.level = level
        self.application = application
        self.module = module
        self.seen = seen
        self.fix = fix
    }

    public var description: String {
        "\(level.rawValue) \(code) \(application)\(module.map { ":\($0)" } ?? ""): \(seen); \(fix)\(accepted ? " (accepted)" : "")"
    }
}
