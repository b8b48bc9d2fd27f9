import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// GETs whose status is all that matters (health checks, a rehearsal's load and checks), over http or https, with
/// AsyncHTTPClient on the agent's NIO. Connecting and each request give up after `seconds`. One client serves many
/// requests (a load loop); `shutDown()` ends it. Each request asks for its own connection (`Connection: close`): a
/// check after an upgrade must reach the code as a new client would, not a connection kept from before.
public final class HTTPGet: Sendable {
    let client: HTTPClient
    let seconds: Int64

    /// With `authority`, an https server's certificate must be signed by one of the CA certificates in that PEM file
    /// (else the system's trust roots).
    public init(authority: String? = nil, seconds: Int64 = 10) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let authority {
            guard FileManager.default.isReadableFile(atPath: authority) else {
                throw AgentFailure(.health, "the CA file \(authority) cannot be read")
            }
            tls.trustRoots = .file(authority)
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(seconds), read: .seconds(seconds)))
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.seconds = seconds
    }

    /// The status of `GET url`, once, with a client made for it.
    public static func status(_ url: String, authority: String? = nil) async throws -> Int {
        let get = try HTTPGet(authority: authority)
        do {
            let status = try await get.status(url)
            try? await get.client.shutdown()
            return status
        } catch {
            try? await get.client.shutdown()
            throw error
        }
    }

    public func status(_ url: String) async throws -> Int {
        try Self.checkURL(url)
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            request.headers.add(name: "connection", value: "close")
            let response = try await client.execute(request, timeout: .seconds(seconds))
            return Int(response.status.code)
        } catch {
            throw AgentFailure(.health, "GET \(url): \(Self.explain(error))")
        }
    }

    /// The same from a thread outside Swift concurrency (a load loop): it blocks until the answer.
    public func statusBlocking(_ url: String) throws -> Int {
        try Self.checkURL(url)
        do {
            let request = try HTTPClient.Request(url: url, method: .GET, headers: ["connection": "close"])
            return Int(try client.execute(request: request, deadline: .now() + .seconds(seconds)).wait().status.code)
        } catch {
            throw AgentFailure(.health, "GET \(url): \(Self.explain(error))")
        }
    }

    /// Ends the client (blocking; not from an event loop).
    public func shutDown() { try? client.syncShutdown() }

    static func checkURL(_ url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme, ["http", "https"].contains(scheme),
              components.host?.isEmpty == false else {
            throw AgentFailure(.health, "a health URL is http:// or https:// with a host, not \(url)")
        }
    }

    /// An error as an operator reads it: a refused connection, a timeout, a certificate that is not trusted.
    static func explain(_ error: Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "could not connect in time"
            case .readTimeout, .deadlineExceeded: return "no answer in time"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(error)"
            }
        }
        if case NIOSSLError.handshakeFailed(let reason) = error {
            return "the TLS handshake failed (\(reason)): is the server's certificate signed by a trusted CA (--health-cacertfile)?"
        }
        if let error = error as? NIOConnectionError { return "cannot connect (\(error.connectionErrors.first.map { "\($0.error)" } ?? "refused"))" }
        return "\(error)"
    }
}
