import Foundation

/// A second OTP installation beside the one on PATH, for upgrades from one OTP to another: `scripts/otp-matrix`
/// binds OTP 27's `/usr/lib/erlang` (from the trixie root) into the OTP 29 root at the path
/// `RELSWAP_OLD_OTP_ROOT` names. Its `erl` script hard-codes `/usr/lib/erlang` (Debian's), which there is OTP 29, so
/// its tools run through `erlexec` with the root set, as a relocatable `erl` does.
public struct OTPRoot: Sendable {
    public let path: String
    public let ertsVersion: String

    /// The older OTP of the matrix's emulator-upgrade run, if this run has one.
    public static var older: OTPRoot? {
        guard let path = ProcessInfo.processInfo.environment["RELSWAP_OLD_OTP_ROOT"], !path.isEmpty else { return nil }
        return try? OTPRoot(path: path)
    }

    public init(path: String) throws {
        self.path = path
        let entries = try FileManager.default.contentsOfDirectory(atPath: path)
        guard let erts = entries.filter({ $0.hasPrefix("erts-") }).sorted().last else {
            throw ErlangOracle.Failure(description: "\(path) holds no erts-<vsn>")
        }
        ertsVersion = String(erts.dropFirst("erts-".count))
    }

    /// An `erl` for this root, written into `directory` (erlc runs the emulator it names in `ERLC_EMULATOR`).
    public func erl(in directory: URL) throws -> String {
        let script = directory.appendingPathComponent("erl-\(ertsVersion)")
        try """
        #!/bin/sh
        ROOTDIR='\(path)'; BINDIR="$ROOTDIR/erts-\(ertsVersion)/bin"; EMU=beam; PROGNAME=erl
        export ROOTDIR BINDIR EMU PROGNAME
        exec "$BINDIR/erlexec" "$@"

        """.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return script.path
    }

    /// This root's `erlc`, with the environment that makes it compile with this root's emulator.
    public func erlc(in directory: URL) throws -> (erlc: String, environment: [String: String]) {
        ("\(path)/erts-\(ertsVersion)/bin/erlc", ["ERLC_EMULATOR": try erl(in: directory)])
    }
}
