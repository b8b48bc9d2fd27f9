import Foundation

/// Writes and reads against snowflake's HTTP API from another thread while an upgrade runs: each round PUTs a new
/// user and GETs it back. A request fails when it gets no answer or a status other than the one expected. The
/// acknowledged writes (201) are kept, so that the test can read every one of them back afterwards: a write the
/// server acknowledged and then lost is the failure a hot upgrade must never cause.
public final class WriteLoad: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private var finished = false
    private var sent = 0
    private var failures = [String]()
    private var acknowledged = [String]()
    public let port: Int

    public init(port: Int, prefix: String) {
        self.port = port
        Thread.detachNewThread { [self] in
            var round = 0
            while lock.withLock({ running }) {
                round += 1
                let id = "\(prefix)\(round)"
                var outcome: String?
                do {
                    let put = try HTTP.request("PUT", port: port, path: "/users/\(id)", body: "{\"password\":\"p\(round)\"}")
                    if put.status == 201 {
                        lock.withLock { acknowledged.append(id) }
                        let get = try HTTP.request("GET", port: port, path: "/users/\(id)")
                        if get.status != 200 { outcome = "GET /users/\(id): status \(get.status)" }
                    } else {
                        outcome = "PUT /users/\(id): status \(put.status)"
                    }
                } catch {
                    outcome = "\(id): \(error)"
                }
                lock.withLock {
                    sent += 2
                    if let outcome { failures.append(outcome) }
                }
                usleep(5_000)
            }
            lock.withLock { finished = true }
        }
    }

    /// Stops the loop and waits for its thread's last request.
    public func stop() -> (sent: Int, failures: [String], acknowledged: [String]) {
        lock.withLock { running = false }
        while !lock.withLock({ finished }) { usleep(1_000) }
        return lock.withLock { (sent, failures, acknowledged) }
    }

    /// The acknowledged writes that the server no longer has (a GET that does not answer 200 with that user's id).
    public static func lost(_ ids: [String], port: Int) -> [String] {
        ids.filter { id in
            guard let response = try? HTTP.request("GET", port: port, path: "/users/\(id)") else { return true }
            return response.status != 200 || !response.body.contains("\"\(id)\"")
        }
    }
}
