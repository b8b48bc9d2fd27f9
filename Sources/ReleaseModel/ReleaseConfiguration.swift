import ErlangTerm
import Foundation

/// Reads the release configurations Relswap understands into a `ReleaseRequest`.
public enum ReleaseConfiguration {
    /// sys options that change nothing for Relswap: it copies whole application directories and builds
    /// its own boot files, so reltool's filters and module conditions have nothing to act on.
    static let reltoolOptionsWithoutEffect: Set<String> = [
        "profile", "incl_cond", "mod_cond", "app_file", "relocatable", "debug_info", "excl_archive_filters",
        "incl_sys_filters", "excl_sys_filters", "incl_app_filters", "excl_app_filters", "incl_archive_filters",
        "archive_opts", "erts", "escript", "emu_name",
    ]
    static let reltoolAppOptionsWithoutEffect: Set<String> = [
        "mod_cond", "app_file", "debug_info", "incl_app_filters", "excl_app_filters", "incl_archive_filters",
        "excl_archive_filters", "archive_opts", "mod",
    ]

    static func absolute(_ path: String, relativeTo base: String) -> String {
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }

    static func read(_ path: String) throws(ReleaseModelError) -> [Term] {
        do {
            return try TermReader.consult(path: path)
        } catch {
            throw ReleaseModelError(error)
        }
    }

    static func string(_ term: Term, _ what: String, file: String) throws(ReleaseModelError) -> String {
        guard let text = term.stringValue ?? term.atomValue else {
            throw ReleaseModelError(file: file, message: "\(what) must be a string, not \(TermWriter.render(term))")
        }
        return text
    }

    // MARK: rebar2 reltool.config

    /// Reads rebar2's `rel/reltool.config`. Relative paths are relative to the file's directory, as
    /// rebar2 ran reltool from there.
    public static func reltool(path: String) throws(ReleaseModelError) -> ReleaseRequest {
        let file = absolute(path, relativeTo: FileManager.default.currentDirectoryPath)
        let base = (file as NSString).deletingLastPathComponent
        let terms = try read(file)
        var warnings = [String]()
        var sys: [Term]?
        var targetDirectory: String?
        var overlayVariableFiles = [String]()
        var overlays = [ReleaseRequest.Overlay]()
        for term in terms {
            guard let tuple = term.tupleElements, let key = tuple.first?.atomValue, tuple.count == 2 else {
                warnings.append("\(file): ignored \(TermWriter.render(term).prefix(80)), which is not a {Key, Value} option")
                continue
            }
            switch key {
            case "sys":
                guard let list = tuple[1].listElements else { throw ReleaseModelError(file: file, message: "{sys, ...} must hold a list of options") }
                sys = list
            case "target_dir": targetDirectory = absolute(try string(tuple[1], "target_dir", file: file), relativeTo: base)
            case "overlay_vars": overlayVariableFiles.append(absolute(try string(tuple[1], "overlay_vars", file: file), relativeTo: base))
            case "overlay": overlays += try parseOverlays(tuple[1], file: file, warnings: &warnings)
            default: warnings.append("\(file): option \(key) is not supported by relswap generate and was ignored")
            }
        }
        guard let sys else {
            throw ReleaseModelError(file: file, message: "has no {sys, [...]} section", hint: "reltool.config describes the release in {sys, [{rel, Name, Vsn, Apps}, ...]}")
        }
        var releases = [(name: String, version: String, apps: [ReleaseRequest.RequestedApplication])]()
        var bootRelease: String?
        var libraryDirectories = [String]()
        var applicationDirectories = [String: String]()
        var excluded = Set<String>(), included = [String](), pinned = [String: String]()
        for option in sys {
            guard let tuple = option.tupleElements, let key = tuple.first?.atomValue else {
                warnings.append("\(file): ignored sys entry \(TermWriter.render(option).prefix(80))")
                continue
            }
            switch key {
            case "lib_dirs":
                guard let dirs = tuple.count == 2 ? tuple[1].listElements : nil else {
                    throw ReleaseModelError(file: file, message: "{lib_dirs, [Dir]} must hold a list of directories")
                }
                for dir in dirs { libraryDirectories.append(absolute(try string(dir, "a lib_dirs entry", file: file), relativeTo: base)) }
            case "rel":
                guard tuple.count == 4, let apps = tuple[3].listElements else {
                    throw ReleaseModelError(file: file, message: "expected {rel, Name, Vsn, [App]}, found \(TermWriter.render(option).prefix(100))")
                }
                let name = try string(tuple[1], "the release name", file: file)
                guard let version = tuple[2].stringValue else {
                    throw ReleaseModelError(file: file, message: "the version of release \(name) must be a string, not \(TermWriter.render(tuple[2]))",
                                            hint: "rebar2's git/{cmd, ...} versions are not supported; write the version")
                }
                releases.append((name, version, try apps.map { (app) throws(ReleaseModelError) in try requestedApplication(app, file: file) }))
            case "boot_rel":
                bootRelease = tuple.count == 2 ? try string(tuple[1], "boot_rel", file: file) : nil
            case "root_dir":
                warnings.append("\(file): sys option root_dir is not used; pass --erts-root to choose the OTP installation")
            case "app":
                guard tuple.count == 3, let name = tuple[1].atomValue, let options = tuple[2].listElements else {
                    throw ReleaseModelError(file: file, message: "expected {app, Name, [Option]}, found \(TermWriter.render(option).prefix(100))")
                }
                for appOption in options {
                    guard let pair = appOption.tupleElements, pair.count >= 2, let appKey = pair[0].atomValue else { continue }
                    switch appKey {
                    case "incl_cond":
                        switch pair[1].atomValue {
                        case "exclude": excluded.insert(name)
                        case "include": included.append(name)
                        default: break
                        }
                    case "lib_dir": applicationDirectories[name] = absolute(try string(pair[1], "lib_dir", file: file), relativeTo: base)
                    case "vsn": pinned[name] = try string(pair[1], "vsn", file: file)
                    default:
                        if !reltoolAppOptionsWithoutEffect.contains(appKey) {
                            warnings.append("\(file): option \(appKey) of {app, \(name), ...} is not supported by relswap generate and was ignored")
                        }
                    }
                }
            default:
                if !reltoolOptionsWithoutEffect.contains(key) {
                    warnings.append("\(file): sys option \(key) is not supported by relswap generate and was ignored")
                }
            }
        }
        guard !releases.isEmpty else {
            throw ReleaseModelError(file: file, message: "has no {rel, Name, Vsn, [App]} in its sys section")
        }
        let chosen = releases.first { $0.name == bootRelease } ?? releases[0]
        // rebar2's template always has a start_clean release; Relswap writes start_clean.boot itself.
        for other in releases where other.name != chosen.name && other.name != "start_clean" {
            warnings.append("\(file): release \(other.name) is not the boot release and was not generated")
        }
        var apps = chosen.apps
        for index in apps.indices where apps[index].version == nil { apps[index].version = pinned[apps[index].name] }
        var request = ReleaseRequest(name: chosen.name, version: chosen.version, applications: apps,
                                     targetDirectory: targetDirectory ?? base + "/" + chosen.name, baseDirectory: base)
        request.libraryDirectories = libraryDirectories
        request.applicationDirectories = applicationDirectories
        request.excludedApplications = excluded
        request.extraApplications = included.filter { name in !apps.contains { $0.name == name } }
        request.overlays = overlays
        request.overlayVariableFiles = overlayVariableFiles
        request.warnings = warnings
        // rebar2's templates copy files/sys.config and files/vm.args by overlay; nothing else to set here.
        return request
    }

    /// `App`, `{App, Type}`, `{App, Incl}`, `{App, Type, Incl}`, `{App, Vsn}` or `{App, Vsn, Type}`.
    static func requestedApplication(_ term: Term, file: String) throws(ReleaseModelError) -> ReleaseRequest.RequestedApplication {
        if let name = term.atomValue { return .init(name: name) }
        guard let parts = term.tupleElements, parts.count >= 2, let name = parts[0].atomValue else {
            throw ReleaseModelError(file: file, message: "\(TermWriter.render(term)) is not an application: write App, {App, Vsn} or {App, Type}")
        }
        var app = ReleaseRequest.RequestedApplication(name: name)
        for part in parts.dropFirst() {
            if let type = part.atomValue, ReleaseResource.Entry.types.contains(type) {
                app.type = type
            } else if case .string(let version) = part {
                app.version = version
            } else if let list = part.listElements, list.allSatisfy({ $0.atomValue != nil }) {
                app.includedApplications = list.compactMap(\.atomValue)
            } else {
                throw ReleaseModelError(file: file, message: "in \(TermWriter.render(term)), \(TermWriter.render(part)) is neither a version, a start type nor a list of applications")
            }
        }
        return app
    }

    static func parseOverlays(_ term: Term, file: String, warnings: inout [String]) throws(ReleaseModelError) -> [ReleaseRequest.Overlay] {
        guard let steps = term.listElements else { throw ReleaseModelError(file: file, message: "{overlay, [...]} must hold a list of steps") }
        var overlays = [ReleaseRequest.Overlay]()
        for step in steps {
            guard let parts = step.tupleElements, let kind = parts.first?.atomValue else {
                warnings.append("\(file): ignored overlay step \(TermWriter.render(step).prefix(80))")
                continue
            }
            let arguments = try parts.dropFirst().map { (part) throws(ReleaseModelError) in try string(part, "an overlay argument", file: file) }
            switch (kind, arguments.count) {
            case ("mkdir", 1): overlays.append(.mkdir(arguments[0]))
            case ("copy", 1): overlays.append(.copy(from: arguments[0], to: (arguments[0] as NSString).lastPathComponent))
            case ("copy", 2): overlays.append(.copy(from: arguments[0], to: arguments[1]))
            case ("template", 2): overlays.append(.template(from: arguments[0], to: arguments[1]))
            case ("create", 2): overlays.append(.create(to: arguments[0], contents: arguments[1]))
            default:
                warnings.append("\(file): overlay step \(TermWriter.render(step).prefix(80)) is not supported (relswap runs mkdir, copy, template and create) and was skipped")
            }
        }
        return overlays
    }

    // MARK: rebar3 rebar.config (relx section)

    /// Reads the `relx` section of a rebar3 `rebar.config`. Applications come from `_build/<profile>/lib`
    /// (default profile, then prod) unless `--lib-dir` says otherwise.
    public static func relx(path: String, releaseName: String? = nil) throws(ReleaseModelError) -> ReleaseRequest {
        let file = absolute(path, relativeTo: FileManager.default.currentDirectoryPath)
        let base = (file as NSString).deletingLastPathComponent
        let terms = try read(file)
        guard let relx = terms.lazy.compactMap({ $0.tupleElements }).first(where: { $0.count == 2 && $0[0] == .atom("relx") })?[1].listElements else {
            throw ReleaseModelError(file: file, message: "has no {relx, [...]} section", hint: "add {relx, [{release, {Name, \"Vsn\"}, [App]}, ...]}")
        }
        var warnings = [String]()
        var releases = [(name: String, version: String, apps: [ReleaseRequest.RequestedApplication])]()
        var sysConfig: String?, vmArgs: String?, includeErts = true
        var overlays = [ReleaseRequest.Overlay](), overlayVariableFiles = [String](), libraryDirectories = [String]()
        for option in relx {
            guard let tuple = option.tupleElements, let key = tuple.first?.atomValue else { continue }
            switch key {
            case "release":
                guard tuple.count == 3, let nameVersion = tuple[1].tupleElements, nameVersion.count == 2,
                      let name = nameVersion[0].atomValue ?? nameVersion[0].stringValue, let apps = tuple[2].listElements else {
                    throw ReleaseModelError(file: file, message: "expected {release, {Name, Vsn}, [App]}, found \(TermWriter.render(option).prefix(100))")
                }
                guard let version = nameVersion[1].stringValue else {
                    throw ReleaseModelError(file: file, message: "the version of release \(name) must be a string, not \(TermWriter.render(nameVersion[1]))",
                                            hint: "relx's git and semver versions are not supported; write the version")
                }
                releases.append((name, version, try apps.map { (app) throws(ReleaseModelError) in try requestedApplication(app, file: file) }))
            case "sys_config": sysConfig = absolute(try string(tuple[1], "sys_config", file: file), relativeTo: base)
            case "vm_args": vmArgs = absolute(try string(tuple[1], "vm_args", file: file), relativeTo: base)
            case "include_erts":
                if tuple[1] == .atom("false") { includeErts = false } else if tuple[1] != .atom("true") {
                    warnings.append("\(file): include_erts with a path is not supported; the erts of --erts-root is used")
                }
            case "overlay": overlays += try parseOverlays(tuple[1], file: file, warnings: &warnings)
            case "overlay_vars": overlayVariableFiles.append(absolute(try string(tuple[1], "overlay_vars", file: file), relativeTo: base))
            case "lib_dirs":
                for dir in tuple[1].listElements ?? [] { libraryDirectories.append(absolute(try string(dir, "a lib_dirs entry", file: file), relativeTo: base)) }
            case "dev_mode", "mode", "extended_start_script", "include_src", "debug_info", "system_libs", "check_for_undefined_functions":
                break  // no effect: Relswap always copies the applications and writes its own start script
            default:
                warnings.append("\(file): relx option \(key) is not supported by relswap generate and was ignored")
            }
        }
        guard let chosen = releaseName.map({ name in releases.first { $0.name == name } }) ?? releases.first else {
            throw ReleaseModelError(file: file, message: releaseName.map { "has no release named \($0) in its relx section" } ?? "has no {release, {Name, Vsn}, [App]} in its relx section")
        }
        var request = ReleaseRequest(name: chosen.name, version: chosen.version, applications: chosen.apps,
                                     targetDirectory: base + "/rel/" + chosen.name, baseDirectory: base)
        for profile in ["default", "prod"] where FileManager.default.fileExists(atPath: "\(base)/_build/\(profile)/lib") {
            libraryDirectories.append("\(base)/_build/\(profile)/lib")
        }
        request.libraryDirectories = libraryDirectories
        request.sysConfig = sysConfig
        request.vmArgs = vmArgs
        request.includeErts = includeErts
        request.overlays = overlays
        request.overlayVariableFiles = overlayVariableFiles
        request.warnings = warnings
        return request
    }
}
