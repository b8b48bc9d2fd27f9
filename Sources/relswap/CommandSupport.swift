import Foundation
import ReleaseModel

/// What the commands share: paths from the command line, the project's release configuration, and
/// how a failure is reported.
enum CommandSupport {
    /// `path` made absolute against `base` (default: the current directory), with `.` and `..` resolved.
    static func absolute(_ path: String, relativeTo base: String = FileManager.default.currentDirectoryPath) -> String {
        URL(fileURLWithPath: path.hasPrefix("/") ? path : base + "/" + path).standardizedFileURL.path
    }

    /// The release configuration here: `config` if given, else reltool.config, rel/reltool.config, then rebar.config.
    static func configurationPath(_ config: String?) -> String? {
        config ?? ["reltool.config", "rel/reltool.config", "rebar.config"].first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Reads a configuration as `relswap generate` does: rebar.config's relx section, else a reltool.config.
    static func request(configuration path: String, releaseName: String? = nil) throws(ReleaseModelError) -> ReleaseRequest {
        (path as NSString).lastPathComponent == "rebar.config"
            ? try ReleaseConfiguration.relx(path: path, releaseName: releaseName)
            : try ReleaseConfiguration.reltool(path: path)
    }

    /// Reports an error on standard error (and as JSON on standard output with `--json`), then exits.
    static func fail(_ command: String, _ message: String, status: Int32, json: Bool) -> Never {
        if json { print(JSONValue.object([("error", .string(message)), ("status", .string(String(status)))]).text()) }
        FileHandle.standardError.write(Data("relswap \(command): \(message)\n".utf8))
        Foundation.exit(status)
    }

    /// Writes a warning line on standard error.
    static func warn(_ command: String, _ message: String) {
        FileHandle.standardError.write(Data("relswap \(command): warning: \(message)\n".utf8))
    }
}
