import Foundation

/// Certificates made by the real `openssl` for TLS tests: a CA, and certificates it signs for given names.
public struct TestCertificates {
    public let directory: URL
    public let name: String

    /// `<name>-ca.pem` and `<name>-ca.key`: a new CA in `directory`.
    public init(authority name: String, in directory: URL) throws {
        self.directory = directory
        self.name = name
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", directory.appendingPathComponent("\(name)-ca.key").path,
                          "-out", directory.appendingPathComponent("\(name)-ca.pem").path,
                          "-days", "2", "-subj", "/CN=relswap test CA \(name)"], in: directory)
    }

    public var authority: URL { directory.appendingPathComponent("\(name)-ca.pem") }

    /// A certificate and key signed by this CA for `hosts` (DNS names, or IP addresses): `(certificate, key)`.
    @discardableResult
    public func issue(_ subject: String, hosts: [String]) throws -> (certificate: URL, key: URL) {
        let key = directory.appendingPathComponent("\(subject).key"), request = directory.appendingPathComponent("\(subject).csr")
        let certificate = directory.appendingPathComponent("\(subject).pem"), extensions = directory.appendingPathComponent("\(subject).ext")
        try Self.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.path,
                          "-out", request.path, "-subj", "/CN=\(subject)"], in: directory)
        let names = hosts.map { $0.allSatisfy({ $0.isNumber || $0 == "." }) ? "IP:\($0)" : "DNS:\($0)" }
        try "subjectAltName=\(names.joined(separator: ","))\nextendedKeyUsage=serverAuth,clientAuth\n".write(to: extensions, atomically: true, encoding: .utf8)
        try Self.openssl(["x509", "-req", "-in", request.path, "-CA", authority.path,
                          "-CAkey", directory.appendingPathComponent("\(name)-ca.key").path, "-CAcreateserial",
                          "-out", certificate.path, "-days", "2", "-extfile", extensions.path], in: directory)
        return (certificate, key)
    }

    static func openssl(_ arguments: [String], in directory: URL) throws {
        let result = try ErlangOracle.runCapturing(try ErlangOracle.executable("openssl"), arguments, currentDirectory: directory)
        guard result.status == 0 else { throw ErlangOracle.Failure(description: "openssl \(arguments.prefix(2).joined(separator: " ")): \(result.standardError)") }
    }
}
