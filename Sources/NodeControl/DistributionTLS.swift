import Foundation
import NIOCore
import NIOSSL

/// TLS distribution, as nodes started with `-proto_dist inet_tls` speak it: the connection to the node's
/// distribution port is TLS from its first byte (epmd is asked in the clear, as `inet_tls_dist` does), and the
/// distribution handshake runs inside it. The agent presents its certificate and key (nodes configured with
/// `{fail_if_no_peer_cert, true}` require one) and checks the node's certificate against the CAs it is given.
public struct DistributionTLS: Sendable {
    /// How much of the node's certificate is checked.
    public enum Verification: String, Sendable, CaseIterable {
        /// Signed by a trusted CA, and issued for the host the agent connects to (the part after `@`).
        case full
        /// Signed by a trusted CA only: for fleets whose certificates do not name each host.
        case chain
    }

    let context: NIOSSLContext
    public let verification: Verification

    /// Reads the PEM files; a file that is missing or is not what it should be throws a failure naming it.
    public init(certificateFile: String?, keyFile: String?, caFile: String?, verification: Verification) throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = verification == .full ? .fullVerification : .noHostnameVerification
        if let caFile {
            try Self.readable(caFile, "--tls-cacertfile")
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw AgentFailure(.refused, "--tls-cacertfile \(caFile) holds no PEM certificate (\(error)); give the CA that signed the nodes' certificates")
            }
        }
        switch (certificateFile, keyFile) {
        case (let certificateFile?, let keyFile?):
            try Self.readable(certificateFile, "--tls-certfile")
            try Self.readable(keyFile, "--tls-keyfile")
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            } catch {
                throw AgentFailure(.refused, "--tls-certfile \(certificateFile) holds no PEM certificate (\(error))")
            }
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw AgentFailure(.refused, "--tls-keyfile \(keyFile) holds no unencrypted PEM private key (\(error))")
            }
        case (nil, nil):
            break
        default:
            throw AgentFailure(.refused, "--tls-certfile and --tls-keyfile go together: give both, or neither")
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw AgentFailure(.refused, "the TLS settings were refused: \(error); does the key belong to the certificate?")
        }
        self.verification = verification
    }

    private static func readable(_ file: String, _ option: String) throws {
        guard FileManager.default.isReadableFile(atPath: file) else {
            throw AgentFailure(.refused, "\(option) \(file) cannot be read (missing, or not readable by this user)")
        }
    }

    /// The handler that starts the channel's TLS session with the node on `host`.
    func handler(host: String) throws -> NIOSSLClientHandler {
        // An address is checked against the certificate's IP entries (NIOSSL does it when no name is given);
        // a name is sent as SNI and checked against its DNS entries.
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
    }

    /// A failure of the TLS layer said as an operator reads it, or nil if `error` is not one.
    static func explain(_ error: Error) -> String? {
        switch error {
        case NIOSSLError.handshakeFailed(let reason):
            return "the TLS handshake failed (\(reason)): is the node's certificate signed by the --tls-cacertfile CA, issued for this host (else --tls-verify chain), and does the node trust the agent's certificate?"
        case let error as NIOSSLError:
            return "the TLS session failed (\(error))"
        case let error as NIOSSLExtraError:
            return "the TLS session failed (\(error)): is the node's certificate issued for the host in its name? (--tls-verify chain checks the CA only)"
        case let error as BoringSSLError:
            return "the TLS session failed (\(error))"
        default:
            return nil
        }
    }
}

