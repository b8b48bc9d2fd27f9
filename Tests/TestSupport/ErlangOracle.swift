import ErlangTerm
import Foundation

/// Runs OTP itself (`erl`, `erlc` on PATH) to get the answers our code must match.
///
/// Tests fail, not skip, when Erlang is missing: CI installs it, and a test that passes without
/// its oracle proves nothing.
public enum ErlangOracle {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// The package root, found from this file's location.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Finds an executable on PATH.
    public static func executable(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Failure(description: "\(name) is not on PATH; install Erlang (Debian: apt-get install erlang-base erlang-dev)")
    }

    /// A fresh temporary directory, removed by the caller (or left for the OS in /tmp).
    public static func temporaryDirectory(_ label: String = "relswap-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs a program to completion; returns standard output. Throws with standard error on a non-zero exit.
    @discardableResult
    public static func runProgram(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                                  currentDirectory: URL? = nil) throws -> String {
        let result = try runCapturing(executable, arguments, environment: environment, currentDirectory: currentDirectory)
        guard result.status == 0 else {
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(result.status): \(result.standardError)")
        }
        return result.standardOutput
    }

    public struct ProgramResult: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// Runs a program and returns its exit status and both outputs.
    public static func runCapturing(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                                    currentDirectory: URL? = nil) throws -> ProgramResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let directory = try temporaryDirectory("relswap-run")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Files rather than pipes, so that a large output cannot block the child.
        let outURL = directory.appendingPathComponent("out"), errURL = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return ProgramResult(status: process.terminationStatus,
                             standardOutput: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                             standardError: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// The directory holding the compiled oracle module, built once per test process.
    private static let compiledOracle: Result<URL, Error> = Result {
        let directory = try temporaryDirectory("relswap-oracle")
        let source = packageRoot.appendingPathComponent("Tests/Oracle/relswap_oracle.erl").path
        try runProgram(try executable("erlc"), ["-o", directory.path, source])
        return directory
    }

    /// Asks OTP: runs `relswap_oracle:main([command, input, output])` and returns its output lines.
    public static func ask(_ command: String, items: [String]) throws -> [String] {
        let oracle = try compiledOracle.get()
        let directory = try temporaryDirectory("relswap-ask")
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in"), output = directory.appendingPathComponent("out")
        try Data((items.joined(separator: "\n") + "\n").utf8).write(to: input)
        try runProgram(try executable("erl"),
                       ["-noshell", "-pa", oracle.path, "-run", "relswap_oracle", "main", command, input.path, output.path],
                       environment: ["HOME": directory.path])
        let text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Evaluates an Erlang expression list in a fresh `erl -noshell` and returns what it prints.
    public static func evaluate(_ expressions: String) throws -> String {
        let directory = try temporaryDirectory("relswap-eval")
        defer { try? FileManager.default.removeItem(at: directory) }
        return try runProgram(try executable("erl"), ["-noshell", "-eval", expressions + ", halt()."],
                              environment: ["HOME": directory.path])
    }

    /// `{Version, Status}` of each release in `<root>/releases/RELEASES`, as OTP's `file:consult` reads the file, in
    /// its order: `[{"2",permanent},{"1",old}]`. What a node wrote about itself, read without the tool under test.
    public static func releaseStatuses(root: URL) throws -> String {
        try evaluate("{ok, [Rs]} = file:consult(\"\(root.path)/releases/RELEASES\"), io:format(\"~p\", [[{V, S} || {release, _, V, _, _, S} <- Rs]])")
    }

    /// `code:root_dir()` of the `erl` on PATH.
    /// The major release of the OTP on PATH (the oracle's).
    public static let otpRelease: Int = (try? evaluate("io:format(\"~s\", [erlang:system_info(otp_release)])")).flatMap { Int($0) } ?? 0

    /// What `term_to_binary/1` writes on that OTP: Latin-1 atoms where they fit up to OTP 25, UTF-8 atoms from OTP 26,
    /// version 4 ports from OTP 27.
    public static var defaultEncoding: ExternalTermFormat.EncodingOptions { .of(otpRelease: otpRelease) }

    /// Whether our encoding (hex) is what OTP wrote (hex) for `term`: the same bytes, or, from OTP 26 on, where the
    /// term holds a map, the same length and the same term once OTP's bytes are decoded (a small map's atom keys are
    /// then written in the node's atom-table order, which no other program can know).
    public static func sameEncoding(ours: String, otp: String, of term: Term) -> Bool {
        if ours == otp { return true }
        guard otpRelease >= 26, ours.count == otp.count, containsMap(term), let bytes = bytes(fromHex: otp) else { return false }
        return (try? ExternalTermFormat.decode(bytes)) == term
    }

    static func containsMap(_ term: Term) -> Bool {
        switch term {
        case .map: return true
        case .list(let elements), .tuple(let elements): return elements.contains(where: containsMap)
        case .improperList(let elements, let tail): return elements.contains(where: containsMap) || containsMap(tail)
        default: return false
        }
    }

    public static func otpRoot() throws -> String {
        try evaluate("io:format(\"~s\", [code:root_dir()])")
    }

    /// Decodes a line of hex into bytes.
    public static func bytes(fromHex hex: some StringProtocol) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    /// Upper-case hex, as `binary:encode_hex/1` writes it.
    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let text = String(byte, radix: 16, uppercase: true)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }

    /// Decodes an oracle answer line into a term.
    public static func term(fromHex hex: some StringProtocol) throws -> Term {
        guard let bytes = bytes(fromHex: hex) else { throw Failure(description: "oracle line is not hex: \(hex.prefix(80))") }
        return try ExternalTermFormat.decode(bytes)
    }

    /// Every file under `root` whose name satisfies `matches`, sorted.
    public static func files(under root: String, matching matches: (String) -> Bool) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var found = [String]()
        while let relative = enumerator.nextObject() as? String {
            if matches((relative as NSString).lastPathComponent) { found.append(root + "/" + relative) }
        }
        return found.sorted()
    }
}
