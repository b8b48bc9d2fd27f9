import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Building fixture projects and running `relswap generate` as users do.
enum GenerateSupport {
    /// A copy of `Fixtures/snowflake/v<version>` compiled as `rebar compile` leaves it (ebin/ in the project),
    /// ready for `cd rel && relswap generate`.
    static func snowflakeProject(version: Int, in directory: URL) throws -> URL {
        let project = directory.appendingPathComponent("snowflake-project-\(version)")
        try FileManager.default.copyItem(at: ErlangBuild.fixture("snowflake/v\(version)"), to: project)
        try ErlangBuild.compile(project, into: project)
        return project
    }

    /// Runs `relswap` and returns status and outputs.
    @discardableResult
    static func relswap(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> ErlangOracle.ProgramResult {
        try Products.run("relswap", arguments, environment: environment, currentDirectory: directory)
    }

    /// systools:make_script/2's boot file for the `.rel` at `relFile` (without `.rel`), with `path` as the code path.
    static func systoolsBoot(relFile: String, path: [String], in directory: URL) throws -> [UInt8] {
        let output = directory.appendingPathComponent("systools-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let pathTerm = TermWriter.render(.list(path.map(Term.text)))
        let result = try ErlangOracle.evaluate("""
            R = systools:make_script("\(relFile)", [{path, \(pathTerm)}, {outdir, "\(output.path)"}, silent]), \
            io:format("~p", [R])
            """)
        #expect(result.hasPrefix("{ok,"), "systools:make_script answered \(result)")
        let name = URL(fileURLWithPath: relFile).lastPathComponent
        return Array(try Data(contentsOf: output.appendingPathComponent("\(name).boot")))
    }

    /// Every file under `root` (relative path -> (contents, permission bits)).
    static func tree(_ root: URL) throws -> [String: (Data, Int)] {
        var files = [String: (Data, Int)]()
        let enumerator = FileManager.default.enumerator(atPath: root.path)!
        while let relative = enumerator.nextObject() as? String {
            let path = root.appendingPathComponent(relative).path
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            if isDirectory.boolValue { continue }
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
            files[relative] = (try Data(contentsOf: URL(fileURLWithPath: path)), mode)
        }
        return files
    }
}
