import Foundation

/// Seed one's rebar2 project, as the end-to-end tests build it.
public enum SnowflakeProject {
    /// A copy of `Fixtures/snowflake/v<version>` at `directory/<name>`, compiled as `rebar compile` leaves it, its
    /// HTTP port, node name and cookie set in `rel/files/sys.config` and `rel/vars.config`.
    /// - Parameter compiler: another OTP's erlc (`OTPRoot.erlc`), else the one on PATH.
    public static func make(_ version: Int, port: Int, node: String, cookie: String, in directory: URL, name: String? = nil,
                            compiler: (erlc: String, environment: [String: String])? = nil) throws -> URL {
        let project = directory.appendingPathComponent(name ?? "snowflake-v\(version)")
        try FileManager.default.copyItem(at: ErlangBuild.fixture("snowflake/v\(version)"), to: project)
        try ErlangBuild.compile(project, into: project, compiler: compiler)
        let sysConfig = project.appendingPathComponent("rel/files/sys.config")
        try String(contentsOf: sysConfig, encoding: .utf8).replacingOccurrences(of: "{port, 8080}", with: "{port, \(port)}")
            .write(to: sysConfig, atomically: true, encoding: .utf8)
        try "{node, \"\(node)\"}.\n{cookie, \"\(cookie)\"}.\n".write(to: project.appendingPathComponent("rel/vars.config"), atomically: true, encoding: .utf8)
        return project
    }
}
