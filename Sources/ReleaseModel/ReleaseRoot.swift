import ErlangTerm
import Foundation

/// A built release directory: `lib/<app>-<vsn>/` and `releases/<vsn>/<name>.rel`, as relswap generate,
/// rebar2, rebar3/relx, `mix release` and reltool leave them. One root may hold several versions
/// (relx and mix keep `releases/1/` and `releases/2/` side by side).
public struct ReleaseRoot: Sendable, Equatable {
    public let path: String

    /// Checks that `path` looks like a release root.
    public init(path: String) throws(ReleaseModelError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReleaseModelError(file: path, message: "does not exist", hint: "give the root of a built release (it holds lib/ and releases/)")
        }
        for required in ["lib", "releases"] {
            guard FileManager.default.fileExists(atPath: "\(path)/\(required)", isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ReleaseModelError(file: path, message: "is not a release: it has no \(required)/ directory",
                                        hint: "give the root of a built release, such as rel/<name> or _build/prod/rel/<name>")
            }
        }
        self.path = path
    }

    /// Versions with a `.rel` file in `releases/<vsn>/`, sorted.
    public func versions() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path + "/releases")) ?? []
        return entries.filter { relFile(version: $0) != nil }.sorted { ApplicationCatalog.isNewer($1, than: $0) }
    }

    /// `releases/<vsn>/<name>.rel` or `<name>_<vsn>.rel` (systools' naming); `nil` if there is none.
    public func relFile(version: String) -> String? {
        let directory = "\(path)/releases/\(version)"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".rel") && !["start_clean.rel", "no_dot_erlang.rel"].contains($0) }.sorted()
        guard !files.isEmpty else { return nil }
        // Prefer <name>_<vsn>.rel, then a single <name>.rel.
        let preferred = files.first { $0.hasSuffix("_\(version).rel") } ?? files[0]
        return directory + "/" + preferred
    }

    /// The release at `version`.
    public func release(version: String) throws(ReleaseModelError) -> ReleaseResource {
        guard let file = relFile(version: version) else {
            let found = versions()
            throw ReleaseModelError(file: "\(path)/releases/\(version)", message: "has no .rel file",
                                    hint: found.isEmpty ? "this release root has no versions" : "versions here: \(found.joined(separator: ", "))")
        }
        let release = try ReleaseResource(path: file)
        guard release.version == version else {
            throw ReleaseModelError(file: file, message: "says version \(release.version) but lies in releases/\(version)")
        }
        return release
    }

    /// The permanent version: `releases/start_erl.data`, else the permanent entry of `RELEASES`, else the only version.
    public func permanentVersion() -> String? {
        if let data = try? String(contentsOfFile: path + "/releases/start_erl.data", encoding: .utf8) {
            let parts = data.split(whereSeparator: { $0 == " " || $0 == "\n" })
            if parts.count == 2, relFile(version: String(parts[1])) != nil { return String(parts[1]) }
        }
        return permanentVersionWithoutStartErlData()
    }

    /// What `releases/start_erl.data` says is wrong, if anything: it must name `<erts> <vsn>` with a `.rel` for the
    /// version, since `bin/<name>` boots what it names.
    public func startErlDataProblem() -> ReleaseModelError? {
        let file = path + "/releases/start_erl.data"
        guard let data = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let parts = data.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count == 2 else {
            return ReleaseModelError(file: file, message: "is not \"<erts version> <release version>\"", hint: "write it as release_handler does, e.g. \"13.1.5 1\"")
        }
        guard relFile(version: String(parts[1])) != nil else {
            return ReleaseModelError(file: file, message: "names version \(parts[1]), which has no releases/\(parts[1])/*.rel here",
                                     hint: "a node booted from this root would fail; name a version the root holds (\(versions().joined(separator: ", ")))")
        }
        return nil
    }

    func permanentVersionWithoutStartErlData() -> String? {
        if let terms = try? TermReader.consult(path: path + "/releases/RELEASES"), let list = terms.first?.listElements {
            for entry in list {
                if let parts = entry.tupleElements, parts.count == 6, parts[5] == .atom("permanent"), let version = parts[2].stringValue {
                    return version
                }
            }
        }
        let all = versions()
        return all.count == 1 ? all[0] : nil
    }

    /// `lib/<app>-<vsn>`.
    public func applicationDirectory(_ name: String, version: String) -> String {
        "\(path)/lib/\(name)-\(version)"
    }
}
