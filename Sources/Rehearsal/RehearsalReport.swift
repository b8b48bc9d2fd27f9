/// What `relswap rehearse` found: every step with its checks, in order; `ok` only if all passed.
public struct RehearsalReport: Encodable, Sendable {
    public struct Check: Encodable, Sendable {
        /// `step`, `code`, `processes`, `supervision`, `user`, `parity`, `load`.
        public var name: String
        public var ok: Bool
        public var detail: String
    }
    public struct Requests: Encodable, Sendable {
        public var sent: Int
        public var failed: Int
    }
    public struct Step: Encodable, Sendable {
        /// `boot`, `upgrade`, `downgrade`, `upgrade again`, `make permanent`, `cold boot`.
        public var name: String
        public var ok: Bool
        public var seconds: Double
        public var checks: [Check]
        /// Crash and supervisor reports the node logged during the step.
        public var reports: [String]
        public var requests: Requests?
    }

    public var release: String
    public var from: String
    public var to: String
    public var ok: Bool
    public var steps: [Step]
    /// Steps not run because an earlier one failed.
    public var notRun: [String]
    /// The sandbox's directory (removed at the end unless --keep-sandbox).
    public var sandbox: String
}
