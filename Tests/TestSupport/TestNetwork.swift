import Foundation

/// The project's own test hosts: network namespaces joined by veth pairs to a bridge in the test's namespace, each
/// with its own address (10.77.0.N/24; the bridge is 10.77.0.254), made by the test and removed at the end. Needs
/// root (`ip netns`), as CI has. Traffic stays between the test and these hosts.
public final class TestNetwork: @unchecked Sendable {
    public let hosts: [String]
    let bridge: String
    let tag: String

    /// The namespace of host `index` (0-based) and its address.
    public func namespace(_ index: Int) -> String { "rs\(tag)h\(index + 1)" }
    public func address(_ index: Int) -> String { "10.77.0.\(index + 1)" }
    func outerLink(_ index: Int) -> String { "rs\(tag)v\(index + 1)" }

    public init(hosts count: Int) throws {
        tag = String(getpid() % 10_000)
        bridge = "rs\(tag)br"
        hosts = (0..<count).map { "10.77.0.\($0 + 1)" }
        do {
            try Self.ip(["link", "add", bridge, "type", "bridge"])
            try Self.ip(["addr", "add", "10.77.0.254/24", "dev", bridge])
            try Self.ip(["link", "set", bridge, "up"])
            for index in 0..<count {
                let namespace = namespace(index), outer = outerLink(index), inner = outer + "i"
                try Self.ip(["netns", "add", namespace])
                try Self.ip(["link", "add", outer, "type", "veth", "peer", "name", inner])
                try Self.ip(["link", "set", outer, "master", bridge])
                try Self.ip(["link", "set", outer, "up"])
                try Self.ip(["link", "set", inner, "netns", namespace])
                try Self.ip(["-n", namespace, "addr", "add", "\(address(index))/24", "dev", inner])
                try Self.ip(["-n", namespace, "link", "set", inner, "up"])
                try Self.ip(["-n", namespace, "link", "set", "lo", "up"])
            }
        } catch {
            tearDown()
            throw error
        }
    }

    /// Cuts host `index` off (its link to the bridge down), or joins it again.
    public func setLink(_ index: Int, up: Bool) throws {
        try Self.ip(["link", "set", outerLink(index), up ? "up" : "down"])
    }

    /// Runs `executable` inside host `index`'s namespace.
    public func run(_ index: Int, _ executable: String, _ arguments: [String], environment: [String: String]) throws -> ErlangOracle.ProgramResult {
        try ErlangOracle.runCapturing("/usr/bin/env", ["ip", "netns", "exec", namespace(index), executable] + arguments, environment: environment)
    }

    private var isTornDown = false

    /// Kills every process in the namespaces (the nodes, heart, epmd), then removes them, the links and the bridge.
    public func tearDown() {
        guard !isTornDown else { return }
        isTornDown = true
        for index in hosts.indices {
            let pids = (try? ErlangOracle.runCapturing("/usr/bin/env", ["ip", "netns", "pids", namespace(index)]))?.standardOutput ?? ""
            for pid in pids.split(separator: "\n").compactMap({ Int32($0.trimmingCharacters(in: .whitespaces)) }) { kill(pid, SIGKILL) }
            _ = try? ErlangOracle.runCapturing("/usr/bin/env", ["ip", "netns", "del", namespace(index)])
            _ = try? ErlangOracle.runCapturing("/usr/bin/env", ["ip", "link", "del", outerLink(index)])
        }
        _ = try? ErlangOracle.runCapturing("/usr/bin/env", ["ip", "link", "del", bridge])
    }

    deinit { tearDown() }

    static func ip(_ arguments: [String]) throws {
        let result = try ErlangOracle.runCapturing("/usr/bin/env", ["ip"] + arguments)
        guard result.status == 0 else {
            throw ErlangOracle.Failure(description: "ip \(arguments.joined(separator: " ")): \(result.standardError)")
        }
    }
}
