import Foundation

/// The applications found in a list of library directories, in search order.
///
/// A library directory holds application directories named `<app>` or `<app>-<vsn>`, each with
/// `ebin/<app>.app`, as `code:lib_dir/1` and systools expect. A directory may also be named as an
/// application directory itself (rebar2's `{app, Name, [{lib_dir, Dir}]}`).
public struct ApplicationCatalog: Sendable {
    /// An application directory and what its `.app` file says.
    public struct Candidate: Sendable, Equatable {
        public var directory: String
        public var resource: ApplicationResource
        public var ebin: String { directory + "/ebin" }
    }

    /// Where applications were looked for, in order: later directories are used only for applications
    /// (or versions) the earlier ones lack.
    public private(set) var searchedDirectories: [String] = []
    private var candidates: [String: [Candidate]] = [:]
    /// `.app` files that could not be read: reported if their application is needed.
    private var unreadable: [String: ReleaseModelError] = [:]

    public init() {}

    /// Adds every application directory under `libraryDirectory`.
    public mutating func addLibraryDirectory(_ libraryDirectory: String) {
        searchedDirectories.append(libraryDirectory)
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: libraryDirectory)) ?? []).sorted()
        var found = [Candidate]()
        for entry in entries {
            let directory = libraryDirectory + "/" + entry
            guard let name = ApplicationCatalog.applicationName(ofDirectory: directory, entry: entry) else { continue }
            do {
                found.append(Candidate(directory: directory, resource: try ApplicationResource(path: "\(directory)/ebin/\(name).app")))
            } catch {
                if unreadable[name] == nil { unreadable[name] = error }
            }
        }
        // Within one directory, higher versions first.
        for candidate in found.sorted(by: { ApplicationCatalog.isNewer($0.resource.version, than: $1.resource.version) }) {
            candidates[candidate.resource.name, default: []].append(candidate)
        }
    }

    /// Adds one application directory (it holds `ebin/<name>.app`).
    public mutating func addApplicationDirectory(_ directory: String, name: String) throws(ReleaseModelError) {
        searchedDirectories.append(directory)
        let resource = try ApplicationResource(path: "\(directory)/ebin/\(name).app")
        candidates[name, default: []].insert(Candidate(directory: directory, resource: resource), at: 0)
    }

    /// The application's name for a directory `<app>` or `<app>-<vsn>` holding `ebin/<app>.app`.
    static func applicationName(ofDirectory directory: String, entry: String) -> String? {
        var name = Substring(entry)
        while true {
            if FileManager.default.fileExists(atPath: "\(directory)/ebin/\(name).app") { return String(name) }
            guard let dash = name.lastIndex(of: "-") else { return nil }
            name = name[..<dash]
        }
    }

    /// Every version found of `name`, in preference order.
    public func candidates(for name: String) -> [Candidate] { candidates[name] ?? [] }

    /// The version to use: the first with `version` if one is required, else the first found.
    /// - Throws: an error that lists what was found and where it looked.
    public func resolve(_ name: String, version: String? = nil, neededBy: String? = nil) throws(ReleaseModelError) -> Candidate {
        let found = candidates(for: name)
        if let version {
            if let match = found.first(where: { $0.resource.version == version }) { return match }
            if !found.isEmpty {
                throw ReleaseModelError(file: found[0].resource.file,
                                        message: "application \(name) is wanted at version \(version), but only \(found.map(\.resource.version).joined(separator: ", ")) was found",
                                        hint: "build version \(version) into a lib dir, or change the version the release asks for")
            }
        }
        if let first = found.first { return first }
        if let error = unreadable[name] { throw error }
        let by = neededBy.map { " (needed by \($0))" } ?? ""
        throw ReleaseModelError(file: nil, message: "application \(name)\(by) was not found in \(searchedDirectories.joined(separator: ", "))",
                                hint: "add the directory that holds \(name)/ebin/\(name).app with --lib-dir (or lib_dirs), or remove it from the release")
    }

    /// Version order: dot- or dash-separated parts compared as numbers where both are numbers.
    public static func isNewer(_ a: String, than b: String) -> Bool {
        let left = a.split(whereSeparator: { $0 == "." || $0 == "-" }), right = b.split(whereSeparator: { $0 == "." || $0 == "-" })
        for (x, y) in zip(left, right) where x != y {
            if let p = Int(x), let q = Int(y) { return p > q }
            return x > y
        }
        return left.count > right.count
    }
}
