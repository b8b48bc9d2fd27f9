import Foundation

/// Waiting on a live node without sleeping as a gate: ask again until the answer is right or a deadline passes.
public enum Poll {
    /// Calls `condition` every `interval` until it returns true or `seconds` have passed; returns its last answer.
    @discardableResult
    public static func until(seconds: Double = 10, interval: Double = 0.05, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if try condition() { return true }
            if Date() >= deadline { return false }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
