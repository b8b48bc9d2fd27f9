/// A node name `alive@host`, as Erlang writes it.
public struct NodeName: Sendable, Equatable, CustomStringConvertible {
    public var alive: String
    public var host: String

    /// Parses `alive@host`; a bare `alive` gets `defaultHost` (the local short host name for -sname nodes).
    public init(_ text: String, defaultHost: String) {
        if let at = text.firstIndex(of: "@") {
            alive = String(text[..<at])
            host = String(text[text.index(after: at)...])
        } else {
            alive = text
            host = defaultHost
        }
    }

    public var description: String { "\(alive)@\(host)" }
}
