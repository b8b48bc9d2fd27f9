import ErlangTerm
import Foundation

/// Builds fixture applications as `rebar compile` does: `erlc` every `src/*.erl` into `ebin/`, and
/// write `ebin/<app>.app` from `src/<app>.app.src` with the modules list filled in.
public enum ErlangBuild {
    /// The fixture directory `Fixtures/<path>`.
    public static func fixture(_ path: String) -> URL {
        ErlangOracle.packageRoot.appendingPathComponent("Fixtures/\(path)")
    }

    /// Compiles `source` (a directory with `src/`) into `applicationDirectory/ebin`.
    /// - Returns: the application's name.
    @discardableResult
    /// - Parameter compiler: another OTP's `erlc` and the environment to run it with (`OTPRoot.erlc`); the one on PATH
    ///   by default.
    public static func compile(_ source: URL, into applicationDirectory: URL, erlcOptions: [String] = [],
                               compiler: (erlc: String, environment: [String: String])? = nil) throws -> String {
        let sourceDirectory = source.appendingPathComponent("src")
        let ebin = applicationDirectory.appendingPathComponent("ebin")
        try FileManager.default.createDirectory(at: ebin, withIntermediateDirectories: true)
        let files = try FileManager.default.contentsOfDirectory(atPath: sourceDirectory.path).sorted()
        let erlangFiles = files.filter { $0.hasSuffix(".erl") }.map { sourceDirectory.appendingPathComponent($0).path }
        try ErlangOracle.runProgram(try compiler?.erlc ?? ErlangOracle.executable("erlc"), erlcOptions + ["-o", ebin.path] + erlangFiles,
                                    environment: compiler?.environment ?? [:])
        guard let appSource = files.first(where: { $0.hasSuffix(".app.src") }) else {
            throw ErlangOracle.Failure(description: "\(sourceDirectory.path) has no .app.src")
        }
        let terms = try TermReader.consult(path: sourceDirectory.appendingPathComponent(appSource).path)
        guard let tuple = terms.first?.tupleElements, tuple.count == 3, let name = tuple[1].atomValue, let keys = tuple[2].listElements else {
            throw ErlangOracle.Failure(description: "\(appSource) is not an application resource")
        }
        let modules = erlangFiles.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }.sorted()
        let application = Term.tuple([.atom("application"), .atom(name),
                                      .list(keys.filter { $0.tupleElements?.first != .atom("modules") }
                                            + [.tuple([.atom("modules"), .list(modules.map(Term.atom))])])])
        try Data(TermWriter.fileContents([application]).utf8).write(to: ebin.appendingPathComponent("\(name).app"))
        return name
    }

    /// Compiles a fixture version into `libDirectory/<app>-<vsn>`, as an application in a lib dir.
    @discardableResult
    public static func compileIntoLibDirectory(_ source: URL, libDirectory: URL, version: String, erlcOptions: [String] = []) throws -> URL {
        let name = try appName(source)
        let directory = libDirectory.appendingPathComponent("\(name)-\(version)")
        try compile(source, into: directory, erlcOptions: erlcOptions)
        return directory
    }

    static func appName(_ source: URL) throws -> String {
        let files = try FileManager.default.contentsOfDirectory(atPath: source.appendingPathComponent("src").path)
        guard let appSource = files.first(where: { $0.hasSuffix(".app.src") }) else {
            throw ErlangOracle.Failure(description: "\(source.path)/src has no .app.src")
        }
        return String(appSource.dropLast(".app.src".count))
    }
}
