import Foundation

/// An installed Erlang/OTP: where its applications and emulator are, and which release it is.
///
/// Found without running `erl`: from `--erts-root`, or by following the `erl` on PATH to its real
/// location (`/usr/bin/erl` -> `/usr/lib/erlang/bin/erl` on Debian) and taking the directory above `bin`.
public struct OTPInstallation: Sendable, Equatable {
    /// The root, as `code:root_dir()` would give it.
    public var root: String
    /// The emulator's version, as in `erts-<version>`.
    public var ertsVersion: String
    /// The OTP release, "25", "26", ...: it decides how `term_to_binary` encodes atoms.
    public var otpRelease: Int
    /// Modules the emulator has preloaded (the erts application's modules), as `systools_make:preloaded/0` lists them.
    public var preloadedModules: [String]

    public var libDirectory: String { root + "/lib" }
    /// The directory holding `erts-<version>/bin`, if this installation has one.
    public var ertsDirectory: String { root + "/erts-" + ertsVersion }

    public init(root: String, ertsVersion: String, otpRelease: Int, preloadedModules: [String]) {
        self.root = root
        self.ertsVersion = ertsVersion
        self.otpRelease = otpRelease
        self.preloadedModules = preloadedModules
    }

    /// The installation at `root`.
    public init(root: String) throws(ReleaseModelError) {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: root + "/lib", isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReleaseModelError(file: root, message: "is not an Erlang/OTP installation (it has no lib directory)",
                                    hint: "pass --erts-root with the directory code:root_dir() prints")
        }
        // releases/start_erl.data holds "ErtsVsn OtpRelease" in an installed OTP.
        let startData = (try? String(contentsOfFile: root + "/releases/start_erl.data", encoding: .utf8))?
            .split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init) ?? []
        let ertsDirectories = ((try? files.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasPrefix("erts-") }.sorted()
        let libErts = ((try? files.contentsOfDirectory(atPath: root + "/lib")) ?? []).filter { $0.hasPrefix("erts-") }.sorted()
        let ertsVersion: String
        if startData.count == 2 {
            ertsVersion = startData[0]
        } else if let last = (ertsDirectories.last ?? libErts.last) {
            ertsVersion = String(last.dropFirst("erts-".count))
        } else {
            throw ReleaseModelError(file: root, message: "has no erts-<version> directory", hint: "pass --erts-root with a complete OTP installation")
        }
        var otpRelease = startData.count == 2 ? Int(startData[1]) : nil
        if otpRelease == nil {
            let releases = ((try? files.contentsOfDirectory(atPath: root + "/releases")) ?? []).compactMap(Int.init)
            otpRelease = releases.max()
        }
        guard let otpRelease else {
            throw ReleaseModelError(file: root, message: "does not say which OTP release it is (no releases/start_erl.data or releases/<N>)")
        }
        let preloaded = ((try? files.contentsOfDirectory(atPath: "\(root)/lib/erts-\(ertsVersion)/ebin")) ?? [])
            .filter { $0.hasSuffix(".beam") }.map { String($0.dropLast(".beam".count)) }
        self.init(root: root, ertsVersion: ertsVersion, otpRelease: otpRelease,
                  preloadedModules: preloaded.isEmpty ? OTPInstallation.otp25Preloaded : preloaded.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    /// The installation of the `erl` on PATH.
    public static func onPath(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ReleaseModelError) -> OTPInstallation {
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/erl"
            guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
            let real = URL(fileURLWithPath: candidate).resolvingSymlinksInPath()
            let root = real.deletingLastPathComponent().deletingLastPathComponent().path
            return try OTPInstallation(root: root)
        }
        throw ReleaseModelError(file: nil, message: "no erl on PATH, so no Erlang/OTP installation to take erts and OTP applications from",
                                hint: "install Erlang/OTP (Debian: apt-get install erlang-base) or pass --erts-root")
    }

    /// `systools_make:preloaded()` of OTP 25, used when the installation has no `lib/erts-*/ebin`.
    public static let otp25Preloaded = [
        "atomics", "counters", "erl_init", "erl_prim_loader", "erl_tracer", "erlang", "erts_code_purger",
        "erts_dirty_process_signal_handler", "erts_internal", "erts_literal_area_collector", "init", "persistent_term",
        "prim_buffer", "prim_eval", "prim_file", "prim_inet", "prim_net", "prim_socket", "prim_zip", "socket_registry", "zlib",
    ]
}

