import ErlangTerm
import Foundation
import ReleaseModel
#if canImport(Glibc)
import Glibc
#endif

/// A private copy of the releases to rehearse on: its own directory, `HOME`, epmd port, node name and cookie,
/// loopback only. Nothing is written outside it and nothing it started is left running after `cleanUp()`.
public final class Sandbox: @unchecked Sendable {
    public let directory: String
    /// The copy of the running (old) release's root, and of the new one (the same when one root holds both).
    public let oldRoot: String
    public let newRoot: String
    public let releaseName: String
    public let nodeName: String
    public let cookie: String
    public let epmdPort: Int
    let home: String
    private var epmd: Process?

    /// Which start script the release has, which decides how the sandbox's node name and cookie reach it.
    public enum Kind: String, Sendable {
        /// `bin/<name>` of `relswap generate` (boots the permanent release; reads vm.args).
        case relswap
        /// relx's `bin/<name>` (reads vm.args; boots the version it was built with, so the new one's `bin/<name>-<vsn>`).
        case relx
        /// `mix release`'s `bin/<name>` (RELEASE_NODE, RELEASE_COOKIE, RELEASE_TMP; boots start_erl.data's version).
        case mix
    }
    public private(set) var kind: Kind = .relswap

    /// Copies `previous` (and `current`, if it is another root) into a fresh temporary directory.
    public init(previous: String, current: String?, releaseName: String) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("relswap-rehearse-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        directory = base
        home = base + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        oldRoot = base + "/old"
        try Sandbox.copy(previous, to: oldRoot)
        if let current, URL(fileURLWithPath: current).standardizedFileURL != URL(fileURLWithPath: previous).standardizedFileURL {
            newRoot = base + "/new"
            try Sandbox.copy(current, to: newRoot)
        } else {
            newRoot = oldRoot
        }
        self.releaseName = releaseName
        nodeName = "rehearse_\(getpid())_\(UInt16.random(in: 0...UInt16.max))"
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        cookie = "rehearse_" + String((0..<24).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
        epmdPort = try Sandbox.freePort()
    }

    /// `cp -a`: links, modes and times as they are (a release may carry links; FileManager follows some).
    static func copy(_ source: String, to destination: String) throws {
        let result = try Sandbox.run("/bin/cp", ["-a", source, destination], environment: [:])
        guard result.status == 0 else { throw SandboxError("cannot copy \(source) into the sandbox: \(result.output)") }
    }

    /// The environment of everything started in the sandbox.
    public var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home
        environment["ERL_EPMD_PORT"] = String(epmdPort)
        environment["ERL_AFLAGS"] = "-kernel inet_dist_use_interface {127,0,0,1}"
        environment.removeValue(forKey: "ERL_FLAGS")
        environment.removeValue(forKey: "ERL_ZFLAGS")
        switch kind {
        case .mix:
            environment["RELEASE_NODE"] = nodeName
            environment["RELEASE_COOKIE"] = cookie
            environment["RELEASE_DISTRIBUTION"] = "sname"
            environment["RELEASE_TMP"] = "\(oldRoot)/tmp"
        case .relx:
            environment["RELX_OUT_FILE_PATH"] = "\(directory)/relx"
        case .relswap:
            break
        }
        return environment
    }

    /// Starts the sandbox's epmd on its own port, bound to loopback.
    public func startEpmd() throws {
        let process = Process()
        guard let epmdPath = Sandbox.which("epmd") else { throw SandboxError("no epmd on PATH; install Erlang/OTP") }
        process.executableURL = URL(fileURLWithPath: epmdPath)
        process.arguments = ["-port", String(epmdPort), "-address", "127.0.0.1"]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        epmd = process
        let deadline = Date().addingTimeInterval(10)
        while !Sandbox.canConnect(port: epmdPort) {
            guard Date() < deadline else { throw SandboxError("the sandbox's epmd did not start on port \(epmdPort)") }
            usleep(20_000)
        }
    }

    /// Every version's vm.args in the copies names the sandbox's node and cookie (the release's own stay untouched);
    /// a mix release gets them from its environment instead.
    public func configureNode() throws {
        let script = (try? String(contentsOfFile: "\(oldRoot)/bin/\(releaseName)", encoding: .utf8)) ?? ""
        if script.contains("Written by relswap generate") {
            kind = .relswap
        } else if FileManager.default.fileExists(atPath: "\(oldRoot)/releases/COOKIE") || script.contains("RELEASE_COOKIE") {
            kind = .mix
            return
        } else {
            kind = script.contains("RELX") || script.contains("relx") ? .relx : .relswap
        }
        for root in Set([oldRoot, newRoot]) {
            let releases = root + "/releases"
            for version in (try? FileManager.default.contentsOfDirectory(atPath: releases)) ?? [] {
                let path = "\(releases)/\(version)/vm.args"
                guard FileManager.default.fileExists(atPath: path) else { continue }
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { line in
                    let word = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
                    return !["-sname", "-name", "-setcookie"].contains(word)
                }
                lines.insert(contentsOf: ["-sname \(nodeName)", "-setcookie \(cookie)"], at: 0)
                try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
                chmod(path, 0o600)
            }
        }
    }

    /// Makes `version` the one the copy of the old root boots and release_handler holds permanent: a root that holds
    /// both versions (relx, mix) has its build tool's newest one there. `start_erl.data` names it, and `RELEASES`
    /// (when there is one) lists it alone, permanent, so that the new version can be unpacked as an upgrade.
    public func makePermanent(_ version: String) throws {
        let data = "\(oldRoot)/releases/start_erl.data"
        if let text = try? String(contentsOfFile: data, encoding: .utf8), let erts = text.split(separator: " ").first {
            try "\(erts) \(version)".write(toFile: data, atomically: true, encoding: .utf8)
        }
        let releases = "\(oldRoot)/releases/RELEASES"
        guard FileManager.default.fileExists(atPath: releases) else {
            // mix writes none: prepare-release's files, in the copy, so that release_handler starts with them.
            _ = try ReleaseRoot(path: oldRoot).prepareForReleaseHandler(version: version)
            return
        }
        guard let list = try? TermReader.consult(path: releases).first?.listElements else {
            throw SandboxError("\(releases) cannot be read")
        }
        let kept = list.compactMap { entry -> Term? in
            guard var parts = entry.tupleElements, parts.count == 6, parts[2].stringValue == version else { return nil }
            parts[5] = .atom("permanent")
            return .tuple(parts)
        }
        if kept.isEmpty {
            // relx lists only the version it built last: the old one's entry is made from its .rel.
            let release = try ReleaseRoot(path: oldRoot).release(version: version)
            try ReleasesFile(releases: [.init(permanent: release)]).fileContents.write(toFile: releases, atomically: true, encoding: .utf8)
        } else {
            try TermWriter.fileContents([.list(kept)]).write(toFile: releases, atomically: true, encoding: .utf8)
        }
    }

    /// `bin/<name> ARGUMENTS` of the old root (the running one), in the sandbox's environment.
    @discardableResult
    public func script(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let path = "\(oldRoot)/bin/\(releaseName)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw SandboxError("\(path) is missing: rehearse starts the release as its own start script does (bin/<name>)")
        }
        return try Sandbox.run(path, arguments, environment: environment)
    }

    /// Boots the release as its start script does (`version`: the one a relx release should boot).
    public func startNode(version: String? = nil) throws {
        if kind == .relx {
            try FileManager.default.createDirectory(atPath: "\(directory)/relx", withIntermediateDirectories: true)
            // relx's daemon runs bin/<name> (whatever version it was built for) under run_erl: in the copy, that is
            // the version's own script, as docs/rebar3.md tells users to do after an upgrade.
            let versioned = "\(oldRoot)/bin/\(releaseName)-\(version ?? "")", plain = "\(oldRoot)/bin/\(releaseName)"
            if let version, !version.isEmpty, FileManager.default.isExecutableFile(atPath: versioned) {
                try? FileManager.default.removeItem(atPath: plain)
                try FileManager.default.copyItem(atPath: versioned, toPath: plain)
            }
        }
        let result = try script(["daemon"])
        guard result.status == 0 else { throw SandboxError("bin/\(releaseName) daemon failed in the sandbox: \(result.output)\(logTail())") }
    }

    public func stopNode() throws {
        let result = try script(["stop"])
        guard result.status == 0 else { throw SandboxError("bin/\(releaseName) stop failed in the sandbox: \(result.output)") }
    }

    /// The node's console log (run_erl writes it), where crash and supervisor reports appear.
    public var logFile: String {
        kind == .mix ? "\(oldRoot)/tmp/log/erlang.log.1" : "\(oldRoot)/log/erlang.log.1"
    }

    func logTail() -> String {
        guard let text = try? String(contentsOfFile: logFile, encoding: .utf8) else { return "" }
        return "\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }

    /// Stops everything started in the sandbox (by pid: processes whose command line names it, and epmd) and
    /// removes it.
    public func cleanUp(keepFiles: Bool = false) {
        for pid in Sandbox.processes(mentioning: directory) { kill(pid, SIGKILL) }
        if let epmd, epmd.isRunning {
            kill(epmd.processIdentifier, SIGKILL)
            epmd.waitUntilExit()
        }
        if !keepFiles { try? FileManager.default.removeItem(atPath: directory) }
    }

    // MARK: - Helpers

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func which(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(text)
        }
    }

    static func canConnect(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SandboxError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        guard bound == 0 else { throw SandboxError("cannot find a free port") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Why the sandbox could not be set up, started or reached (exit 2).
public struct SandboxError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
