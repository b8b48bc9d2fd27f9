import Foundation
import TestSupport
import Testing

/// TLS distribution (`-proto_dist inet_tls`): a release node that takes TLS connections only, and requires a client
/// certificate signed by its CA. Certificates come from the real `openssl`; the node is OTP's own `inet_tls_dist`.
@Suite(.serialized, .timeLimit(.minutes(5))) struct TLSDistributionTests {
    static var shortHostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.split(separator: ".").first.map(String.init) ?? "localhost"
    }

    @Test func aTLSNodeIsUpgradedWrongCertificatesAreRefusedAndTheCookieIsNeverPrinted() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let authority = try TestCertificates(authority: "fleet", in: directory)
        // For the host's name only: NIOSSL also accepts a certificate naming the peer's address, whatever name was dialled.
        let server = try authority.issue("node", hosts: [Self.shortHostName])
        let client = try authority.issue("agent", hosts: ["agent.example"])
        let rogue = try TestCertificates(authority: "rogue", in: directory)
        let rogueClient = try rogue.issue("rogue-agent", hosts: ["agent.example"])

        // The node's TLS settings, as OTP's "Using TLS for Erlang Distribution" writes them.
        func options(_ certificate: URL, _ key: URL) -> String {
            "[{certfile, \"\(certificate.path)\"}, {keyfile, \"\(key.path)\"}, {cacertfile, \"\(authority.authority.path)\"}, {verify, verify_peer}"
        }
        let optionsFile = directory.appendingPathComponent("ssl_dist.conf")
        try "[{server, \(options(server.certificate, server.key)), {fail_if_no_peer_cert, true}]}, {client, \(options(server.certificate, server.key))]}].\n"
            .write(to: optionsFile, atomically: true, encoding: .utf8)

        let name = "tls\(nodes.epmdPort)"
        let cookie = "tls-cookie-\(UInt32.random(in: 100_000...UInt32.max))"
        let (roots, archive) = try AgentUpgradeTests.counterReleases([name], cookie: cookie, in: directory, extraApps: ["ssl"],
                                                                      extraVMArgs: "-proto_dist inet_tls\n-ssl_dist_optfile \(optionsFile.path)\n")
        nodes.watch(roots[0].path)
        #expect(try ErlangOracle.runCapturing(roots[0].appendingPathComponent("bin/counter").path, ["daemon"], environment: nodes.environment).status == 0)

        let tls = ["--tls-certfile", client.certificate.path, "--tls-keyfile", client.key.path, "--tls-cacertfile", authority.authority.path]
        var outputs = [String]()
        func agent(_ arguments: [String]) throws -> ErlangOracle.ProgramResult {
            let result = try AgentSupport.agent(arguments + ["--node", name, "--cookie", cookie, "--timeout", "10"], nodes: nodes)
            outputs += [result.standardOutput, result.standardError]
            return result
        }
        let up = try Poll.until(seconds: 30, interval: 0.2) { try agent(["releases"] + tls).status == 0 }
        try #require(up, "the TLS node answers the agent: \(outputs.last ?? "")")

        // The node takes TLS only: a plain connection is closed, and the agent says what to give.
        let plain = try agent(["releases"])
        #expect(plain.status != 0)
        #expect(plain.standardError.contains("-proto_dist inet_tls"), "\(plain.standardError)")
        // A client certificate from another CA: the node refuses it (exit 3, refused), cleanly.
        let wrongClient = try agent(["releases", "--tls-certfile", rogueClient.certificate.path, "--tls-keyfile", rogueClient.key.path,
                                     "--tls-cacertfile", authority.authority.path])
        #expect(wrongClient.status == 3, "\(wrongClient.standardError)")
        #expect(wrongClient.standardError.contains("TLS"), "\(wrongClient.standardError)")
        // The agent trusting another CA refuses the node's certificate (exit 3).
        let wrongAuthority = try agent(["releases", "--tls-certfile", client.certificate.path, "--tls-keyfile", client.key.path,
                                        "--tls-cacertfile", rogue.authority.path])
        #expect(wrongAuthority.status == 3, "\(wrongAuthority.standardError)")
        #expect(wrongAuthority.standardError.contains("TLS handshake failed"), "\(wrongAuthority.standardError)")
        // A missing key file is a usage error, before any node is touched.
        let missing = try agent(["releases", "--tls-certfile", client.certificate.path, "--tls-keyfile", directory.appendingPathComponent("nope.key").path])
        #expect(missing.status == 64 && missing.standardError.contains("nope.key"), "\(missing.standardError)")

        // The upgrade over TLS, with a JSON report.
        let upgrade = try agent(["upgrade", archive.path, "--json"] + tls)
        #expect(upgrade.status == 0, "\(upgrade.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(upgrade.standardOutput.utf8)) as? [String: Any])
        #expect((report["nodes"] as? [[String: Any]])?.first?["outcome"] as? String == "done", "\(upgrade.standardOutput)")

        // Seen from the node's own files: RELEASES says 2 permanent, 1 old (read by OTP's file:consult).
        #expect(try ErlangOracle.releaseStatuses(root: roots[0]) == "[{\"2\",permanent},{\"1\",old}]")
        // And the node, asked over TLS, runs version 2's counter and still speaks TLS distribution.
        let attributes = try agent(["call", "counter", "module_info", "[attributes]"] + tls)
        #expect(attributes.standardOutput.contains("{vsn,[2]}"), "\(attributes.standardOutput)")
        let proto = try agent(["call", "init", "get_argument", "[proto_dist]"] + tls)
        #expect(proto.standardOutput.contains("inet_tls"), "\(proto.standardOutput)")

        // --tls-verify full checks the host: reached as name@localhost, the node's certificate (for its host name)
        // is refused; --tls-verify chain takes it, since the fleet's CA signed it.
        if Self.shortHostName != "localhost" {
            let byAlias = try AgentSupport.agent(["releases", "--node", "\(name)@localhost", "--cookie", cookie] + tls, nodes: nodes)
            outputs += [byAlias.standardOutput, byAlias.standardError]
            #expect(byAlias.status == 3, "\(byAlias.standardError)")
            let chainOnly = try AgentSupport.agent(["releases", "--node", "\(name)@localhost", "--cookie", cookie, "--tls-verify", "chain"] + tls, nodes: nodes)
            outputs += [chainOnly.standardOutput, chainOnly.standardError]
            #expect(chainOnly.status == 0 && chainOnly.standardOutput.contains("counter 2 permanent"), "\(chainOnly.standardError)")
        }

        // The cookie: never in anything the agent printed.
        #expect(outputs.allSatisfy { !$0.contains(cookie) }, "the cookie was printed")
        #expect(outputs.count >= 14)
    }

    /// An https health check (AsyncHTTPClient): the server is the real `openssl s_server -www`, its certificate signed
    /// by the fleet's CA. Given another CA, the check fails and the node is rolled back (exit 7); given the right one,
    /// the rerun upgrades it.
    @Test func anHTTPSHealthCheckTrustsOnlyTheGivenCA() throws {
        let directory = try ErlangOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nodes = try NodeEnvironment()
        defer { nodes.shutDown() }
        let authority = try TestCertificates(authority: "web", in: directory)
        let server = try authority.issue("health", hosts: ["127.0.0.1"])
        let rogue = try TestCertificates(authority: "rogue", in: directory)
        let port = try NodeEnvironment.freePort()
        let https = Process()
        https.executableURL = URL(fileURLWithPath: try ErlangOracle.executable("openssl"))
        https.arguments = ["s_server", "-www", "-accept", "127.0.0.1:\(port)", "-cert", server.certificate.path, "-key", server.key.path]
        https.standardOutput = FileHandle.nullDevice
        https.standardError = FileHandle.nullDevice
        https.standardInput = FileHandle.nullDevice
        try https.run()
        defer { kill(https.processIdentifier, SIGKILL); https.waitUntilExit() }
        try #require(Poll.until(seconds: 10) { NodeEnvironment.canConnect(port: port) }, "openssl s_server listens")

        let name = "https\(nodes.epmdPort)"
        let (roots, archive) = try AgentUpgradeTests.counterReleases([name], cookie: "web", in: directory)
        nodes.watch(roots[0].path)
        #expect(try ErlangOracle.runCapturing(roots[0].appendingPathComponent("bin/counter").path, ["daemon"], environment: nodes.environment).status == 0)
        let url = "https://127.0.0.1:\(port)/"
        let untrusted = try AgentSupport.agent(["upgrade", archive.path, "--node", name, "--cookie", "web", "--health-url", url,
                                                "--health-cacertfile", rogue.authority.path], nodes: nodes)
        #expect(untrusted.status == 7, "\(untrusted.standardError)")
        #expect(untrusted.standardError.contains("TLS handshake failed"), "\(untrusted.standardError)")
        let trusted = try AgentSupport.agent(["upgrade", archive.path, "--node", name, "--cookie", "web", "--health-url", url,
                                              "--health-cacertfile", authority.authority.path], nodes: nodes)
        #expect(trusted.status == 0, "\(trusted.standardError)")
        // The node's own RELEASES file: 2 permanent.
        #expect(try ErlangOracle.releaseStatuses(root: roots[0]) == "[{\"2\",permanent},{\"1\",old}]")
    }
}
