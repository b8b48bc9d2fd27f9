import ErlangTerm

/// `releases/RELEASES`: what `release_handler` knows of the installed releases.
///
/// Each entry is `{release, Name, Vsn, ErtsVsn, [{App, AppVsn, Dir}], Status}`. Lib directories are
/// root-relative (`lib/App-Vsn`), as `release_handler` writes them on OTP 25 and later.
public struct ReleasesFile: Sendable, Equatable {
    public struct Release: Sendable, Equatable {
        public var name: String
        public var version: String
        public var ertsVersion: String
        public var libraries: [(name: String, version: String, directory: String)]
        /// `permanent`, `old`, `unpacked` (`current` is stored as `unpacked`).
        public var status: String

        public static func == (lhs: Release, rhs: Release) -> Bool {
            lhs.name == rhs.name && lhs.version == rhs.version && lhs.ertsVersion == rhs.ertsVersion && lhs.status == rhs.status
                && lhs.libraries.elementsEqual(rhs.libraries) { $0 == $1 }
        }

        public init(name: String, version: String, ertsVersion: String,
                    libraries: [(name: String, version: String, directory: String)], status: String) {
            self.name = name
            self.version = version
            self.ertsVersion = ertsVersion
            self.libraries = libraries
            self.status = status
        }

        /// The entry `release_handler:create_RELEASES("", ...)` writes for a freshly installed release.
        public init(permanent release: ReleaseResource) {
            self.init(name: release.name, version: release.version, ertsVersion: release.ertsVersion,
                      libraries: release.applications.map { ($0.name, $0.version, "lib/\($0.name)-\($0.version)") },
                      status: "permanent")
        }

        var term: Term {
            .tuple([.atom("release"), .text(name), .text(version), .text(ertsVersion),
                    .list(libraries.map { .tuple([.atom($0.name), .text($0.version), .text($0.directory)]) }),
                    .atom(status)])
        }
    }

    public var releases: [Release]

    public init(releases: [Release]) { self.releases = releases }

    /// The file's text as `release_handler` writes it: a coding line, then the list.
    public var fileContents: String { TermWriter.fileContents([.list(releases.map(\.term))]) }
}
