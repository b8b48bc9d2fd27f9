/// Why talking to a node failed. Each case is a class of failure the agent reports with its own exit code.
public enum DistributionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// epmd did not answer, or does not know the node.
    case unreachable(node: String, detail: String)
    /// The node refused the handshake, or closed it after our digest: the cookie is wrong.
    case refused(node: String, detail: String)
    /// The connection broke or the peer sent something that is not the protocol.
    case protocolError(node: String, detail: String)
    /// A call did not answer in time.
    case timeout(node: String, seconds: Double)

    public var description: String {
        switch self {
        case .unreachable(let node, let detail): return "cannot reach \(node): \(detail)"
        case .refused(let node, let detail): return "\(node) refused the connection: \(detail)"
        case .protocolError(let node, let detail): return "talking to \(node) failed: \(detail)"
        case .timeout(let node, let seconds): return "\(node) did not answer within \(Int(seconds)) s"
        }
    }
}
