import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on loopback that plays a misbehaving epmd or node for the agent's robustness tests: it is an
/// attacker, not a stand-in for OTP. Each accepted connection is handled on its own thread by `behaviour`, which
/// gets the socket; `stop()` closes everything.
public final class HostilePeer: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var sockets = [Int32]()
    private var stopped = false

    public init(_ behaviour: @escaping @Sendable (Int32) -> Void) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(listener, 16) == 0 else { throw ErlangOracle.Failure(description: "cannot listen on loopback") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                lock.withLock { sockets.append(client) }
                Thread.detachNewThread { behaviour(client) }
            }
        }
    }

    public func stop() {
        let all = lock.withLock { () -> [Int32] in
            stopped = true
            return sockets
        }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for socket in all { shutdown(socket, Int32(SHUT_RDWR)); close(socket) }
    }

    /// Reads what the peer sends until it stops (or `limit` bytes).
    public static func read(_ socket: Int32, limit: Int = 4096) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: limit)
        let count = recv(socket, &buffer, limit, 0)
        return count > 0 ? Array(buffer.prefix(count)) : []
    }

    public static func write(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// An epmd PORT2_RESP naming `port`.
    public static func epmdAnswer(port: Int) -> [UInt8] {
        [119, 0, UInt8(port >> 8), UInt8(port & 0xFF), 77, 0, 0, 6, 0, 5, 0, 4] + Array("fake".utf8) + [0, 0]
    }
}
