/// What the user asks `relswap generate` for, from rebar2's `reltool.config`, a rebar3 `rebar.config`'s
/// `relx` section, or command-line flags. Paths are absolute once a parser has resolved them.
public struct ReleaseRequest: Sendable, Equatable {
    /// An application named in the release, with what the configuration pins about it.
    public struct RequestedApplication: Sendable, Equatable {
        public var name: String
        public var version: String?
        /// `permanent`, `transient`, `temporary`, `load` or `none`; `nil` for the default (permanent).
        public var type: String?
        public var includedApplications: [String]?

        public init(name: String, version: String? = nil, type: String? = nil, includedApplications: [String]? = nil) {
            self.name = name
            self.version = version
            self.type = type
            self.includedApplications = includedApplications
        }
    }

    /// One overlay step, run after the release is assembled. Paths may hold `{{var}}`.
    public enum Overlay: Sendable, Equatable {
        /// Create a directory under the target.
        case mkdir(String)
        /// Copy a file or directory (relative to the configuration's directory) into the target.
        case copy(from: String, to: String)
        /// Copy a file, replacing `{{var}}` with overlay variables.
        case template(from: String, to: String)
        /// Write a file with the given contents (which may hold `{{var}}`).
        case create(to: String, contents: String)
    }

    public var name: String
    public var version: String
    public var applications: [RequestedApplication]
    /// Directories holding application directories, searched first to last, before the OTP installation.
    public var libraryDirectories: [String] = []
    /// Single application directories (rebar2's `{app, Name, [{lib_dir, Dir}]}`), searched before the lib dirs.
    public var applicationDirectories: [String: String] = [:]
    /// Applications the configuration excludes (`{incl_cond, exclude}`): never part of the release.
    public var excludedApplications: Set<String> = []
    /// Applications copied into `lib/` without being in the release (`{incl_cond, include}` in reltool).
    public var extraApplications: [String] = []
    public var targetDirectory: String
    public var sysConfig: String?
    public var vmArgs: String?
    /// The release this one succeeds (`relswap generate --previous`): a generated `vm.args` keeps its cookie, so
    /// that after a hot upgrade and `make_permanent`, `bin/<name>` still reaches the node started with the old one.
    public var previousRelease: String?
    public var includeErts = true
    /// Start the node with heart (`-heart` in vm.args): it restarts a node that dies, and release_handler restarts
    /// the node through it (and `bin/start`) into a new emulator in an upgrade that changes erts.
    public var heart = false
    public var overlays: [Overlay] = []
    public var overlayVariableFiles: [String] = []
    /// The directory overlay sources are relative to (the configuration file's).
    public var baseDirectory: String
    /// Options read but not supported: each named so that nothing is dropped silently.
    public var warnings: [String] = []

    public init(name: String, version: String, applications: [RequestedApplication], targetDirectory: String, baseDirectory: String) {
        self.name = name
        self.version = version
        self.applications = applications
        self.targetDirectory = targetDirectory
        self.baseDirectory = baseDirectory
    }
}
