import Foundation
import TestSupport
import Testing

/// The agent as shipped (`scripts/build-agent`: release, `--static-swift-stdlib`): the Swift runtime is inside the
/// binary. The dynamic loader is asked what it loads (nothing of the toolchain's), and the binary upgrades a node.
/// `scripts/test` builds it first and names it in RELSWAP_STATIC_AGENT; without that, the test builds it.
@Suite(.serialized, .timeLimit(.minutes(20))) struct StaticAgentTests {
    static func binary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["RELSWAP_STATIC_AGENT"], !path.isEmpty { return path }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/build-agent").standardized
        let built = try ErlangOracle.runCapturing(script.path, [])
        guard built.status == 0, let path = built.standardOutput.split(separator: "\n").last else {
            throw ErlangOracle.Failure(description: "scripts/build-agent: \(built.standardError.suffix(2000))")
        }
        return String(path)
    }

    @Test func theShippedAgentCarriesItsSwiftRuntimeAndUpgradesANode() throws {
        let agent = try Self.binary()
        // What the binary asks for (readelf) and what the loader gives it (ldd): no Swift runtime library, and
        // nothing from the toolchain's directory.
        let toolchain = URL(fileURLWithPath: try ErlangOracle.executable("swift")).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().path
        let dynamic = try ErlangOracle.runCapturing(try ErlangOracle.executable("readelf"), ["-d", agent])
        let needed = dynamic.standardOutput.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(!needed.isEmpty, "\(dynamic.standardOutput)")
        let swiftRuntime = ["libswift", "libFoundation", "libdispatch", "libBlocksRuntime", "lib_FoundationICU"]
        #expect(needed.allSatisfy { line in !swiftRuntime.contains { line.contains($0) } }, "\(needed)")
        let loaded = try ErlangOracle.runCapturing(try ErlangOracle.executable("ldd"), [agent])
        #expect(loaded.status == 0 && !loaded.standardOutput.contains(toolchain) && !loaded.standardOutput.contains("not found"), "\(loaded.standardOutput)")

        // And it works: a counter node upgraded by it, seen in the node's RELEASES.
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let name = "static\(nodes.epmdPort)"
        let (roots, archive) = try AgentUpgradeTests.counterReleases([name], cookie: "static", in: directory)
        nodes.watch(roots[0].path)
        #expect(try ErlangOracle.runCapturing(roots[0].appendingPathComponent("bin/counter").path, ["daemon"], environment: nodes.environment).status == 0)
        // Only the node's environment: no PATH into the toolchain, no LD_LIBRARY_PATH.
        let upgrade = try ErlangOracle.runCapturing(agent, ["upgrade", archive.path, "--node", name, "--cookie", "static"],
                                                    environment: nodes.environment.merging(["PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": ""]) { $1 })
        #expect(upgrade.status == 0, "\(upgrade.standardError)")
        #expect(try ErlangOracle.releaseStatuses(root: roots[0]) == "[{\"2\",permanent},{\"1\",old}]")
    }
}
