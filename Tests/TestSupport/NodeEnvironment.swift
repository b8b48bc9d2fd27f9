import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What tests that start Erlang nodes share: a private epmd on a free loopback port, distribution bound
/// to loopback, `HOME` in a temporary directory (so no `~/.erlang.cookie` is written anywhere else),
/// and clean-up of every process started, by pid.
public final class NodeEnvironment: @unchecked Sendable {
    public let home: URL
    public let epmdPort: Int
    private let epmd: Process
    private var watchedDirectories: [String] = []

    public init() throws {
        home = try ErlangOracle.temporaryDirectory("relswap-home")
        epmdPort = try NodeEnvironment.freePort()
        epmd = Process()
        epmd.executableURL = URL(fileURLWithPath: try ErlangOracle.executable("epmd"))
        epmd.arguments = ["-port", String(epmdPort), "-address", "127.0.0.1"]
        epmd.environment = ["HOME": home.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        epmd.standardOutput = FileHandle.nullDevice
        epmd.standardError = FileHandle.nullDevice
        try epmd.run()
        // Wait until epmd accepts connections.
        for _ in 0..<50 where !NodeEnvironment.canConnect(port: epmdPort) { usleep(100_000) }
    }

    /// The environment every command of the test runs with.
    public var environment: [String: String] {
        ["HOME": home.path, "ERL_EPMD_PORT": String(epmdPort),
         "ERL_AFLAGS": "-kernel inet_dist_use_interface {127,0,0,1}"]
    }

    /// Processes whose command line mentions `directory` are stopped at the end, whatever happened.
    public func watch(_ directory: String) { watchedDirectories.append(directory) }

    /// Pids of the processes whose command line mentions `text`.
    public static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(text)
        }
    }

    /// Pids of the processes whose parent is `parent` and whose command is `name` (`/proc/PID/stat`).
    public static func children(of parent: Int32, named name: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return false }
            let command = stat[stat.index(after: open)..<close]
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return command == name && fields.count > 1 && Int32(fields[1]) == parent
        }
    }

    private var isShutDown = false

    /// Stops everything this environment started, by pid (epmd ignores SIGTERM, so SIGKILL).
    public func shutDown() {
        guard !isShutDown else { return }
        isShutDown = true
        for directory in watchedDirectories {
            let pids = NodeEnvironment.processes(mentioning: directory)
            // heart first (its command line does not name the release): else it restarts the emulator killed below.
            for pid in pids { for child in NodeEnvironment.children(of: pid, named: "heart") { kill(child, SIGKILL) } }
            for pid in pids { kill(pid, SIGKILL) }
        }
        if epmd.isRunning {
            kill(epmd.processIdentifier, SIGKILL)
            epmd.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: home)
    }

    deinit { shutDown() }

    /// A TCP port on 127.0.0.1 that nothing listens on now.
    public static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ErlangOracle.Failure(description: "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw ErlangOracle.Failure(description: "could not bind a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public static func canConnect(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// A minimal HTTP/1.1 client over a loopback socket: real requests, no mock.
public enum HTTP {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
    }

    public static func request(_ method: String, port: Int, path: String, body: String? = nil) throws -> Response {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ErlangOracle.Failure(description: "socket() failed") }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw ErlangOracle.Failure(description: "cannot connect to 127.0.0.1:\(port)") }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + (body ?? "")
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let head = parts[0].components(separatedBy: "\r\n")
        let status = Int(head.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers = [String: String]()
        for line in head.dropFirst() {
            let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2 { headers[pair[0].lowercased()] = pair[1] }
        }
        return Response(status: status, headers: headers, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}
