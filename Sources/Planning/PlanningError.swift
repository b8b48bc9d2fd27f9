/// Why a release cannot be planned: the applications do not fit together.
///
/// Cases follow `systools_make`'s error reasons, worded as sentences with a fix.
public struct PlanningError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var message: String
    public var hint: String?
    /// systools' own reason tag where the refusal mirrors one of its errors (`duplicate_modules`, `no_object_code`),
    /// so tests compare refusals with systools' by reason.
    public var reason: String?

    public init(file: String? = nil, message: String, hint: String? = nil, reason: String? = nil) {
        self.file = file
        self.message = message
        self.hint = hint
        self.reason = reason
    }

    public var description: String {
        var text = (file.map { "\($0): " } ?? "") + message
        if let hint { text += "; " + hint }
        return text
    }
}
