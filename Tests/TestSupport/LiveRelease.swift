import Foundation

/// Two versions of a fixture application built into two release roots by `relswap generate` (the first one to be
/// started, the second its successor), and `bin/<name>` of the first run against a private epmd: the prologue the
/// end-to-end upgrade tests share.
public struct LiveRelease {
    /// The release that runs (version 1), and its successor (version 2).
    public let running: URL
    public let next: URL
    public let name: String
    let nodes: NodeEnvironment

    /// Builds `Fixtures/<fixture>/v1` and `v2` and generates releases `<name>` 1 and 2 under `directory/rel`, both with a
    /// vm.args naming `<name>_<epmd port>` and a fixed cookie; the running root is watched by `nodes`.
    /// - Parameters:
    ///   - fixture: a directory under Fixtures/ with v1/ and v2/, or an absolute path to one.
    ///   - extraApplications: OTP applications to add to both releases.
    public init(fixture: String, name: String, in directory: URL, nodes: NodeEnvironment, erlcOptions: [String] = [],
                extraApplications: [String] = []) throws {
        self.name = name
        self.nodes = nodes
        let vmArgs = directory.appendingPathComponent("vm.args")
        try "-sname \(name)_\(nodes.epmdPort)\n-setcookie \(name)_cookie\n".write(to: vmArgs, atomically: true, encoding: .utf8)
        let rel = directory.appendingPathComponent("rel")
        running = rel.appendingPathComponent(name)
        next = rel.appendingPathComponent("\(name)_2")
        for version in [1, 2] {
            let lib = directory.appendingPathComponent("lib\(version)")
            let source = fixture.hasPrefix("/") ? URL(fileURLWithPath: "\(fixture)/v\(version)") : ErlangBuild.fixture("\(fixture)/v\(version)")
            let app = try ErlangBuild.compileIntoLibDirectory(source, libDirectory: lib,
                                                              version: String(version), erlcOptions: erlcOptions)
            let appName = String(app.lastPathComponent.prefix { $0 != "-" })
            let result = try Products.run("relswap", ["generate", "--no-erts", "--name", name, "--release-version", String(version), "--app", appName,
                                                      "--lib-dir", lib.path, "--vm-args", vmArgs.path,
                                                      "--target-dir", (version == 1 ? running : next).path] + extraApplications.flatMap { ["--app", $0] })
            guard result.status == 0 else { throw ErlangOracle.Failure(description: "relswap generate \(version): \(result.standardError)") }
        }
        nodes.watch(running.path)
    }

    /// `bin/<name> ARGUMENTS` of the running release: its standard output, trimmed; a failure throws with its words.
    @discardableResult
    public func run(_ arguments: [String]) throws -> String {
        let result = try ErlangOracle.runCapturing(running.appendingPathComponent("bin/\(name)").path, arguments, environment: nodes.environment)
        guard result.status == 0 else {
            throw ErlangOracle.Failure(description: "bin/\(name) \(arguments.joined(separator: " ")) exited \(result.status): \(result.standardError)")
        }
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `release_handler:Call` on the node, through `bin/<name> eval`.
    public func eval(_ expression: String) throws -> String { try run(["eval", expression]) }

    /// generate-appups (unless `appups` is false) and generate-upgrade from the running release to its successor,
    /// the archive written into the running release's `releases/`, ready for `unpack_release`.
    public func prepareUpgrade(appups: Bool = true, extra: [String] = []) throws {
        try buildUpgrade(into: running.appendingPathComponent("releases"), appups: appups, extra: extra)
    }

    /// generate-appups (unless `appups` is false) and generate-upgrade into `output`; returns the archive.
    @discardableResult
    public func buildUpgrade(into output: URL, appups: Bool = true, extra: [String] = []) throws -> URL {
        if appups {
            let result = try Products.run("relswap", ["generate-appups", "--previous", running.path, "--current", next.path])
            guard result.status == 0 else { throw ErlangOracle.Failure(description: "generate-appups: \(result.standardError)") }
        }
        let result = try Products.run("relswap", ["generate-upgrade", "--previous", running.path, "--current", next.path,
                                                  "--output", output.path] + extra)
        guard result.status == 0 else { throw ErlangOracle.Failure(description: "generate-upgrade: \(result.standardError)") }
        return output.appendingPathComponent("\(name)_2.tar.gz")
    }
}
