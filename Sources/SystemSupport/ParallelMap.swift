import Dispatch
import Foundation

/// Result slots written by `parallelMap`'s workers; each index is written by exactly one worker.
private final class ResultSlots<Output>: @unchecked Sendable {
    var values: [Output?]
    let lock = NSLock()
    init(count: Int) { values = Array(repeating: nil, count: count) }
}

/// Maps `items` on every core, keeping the input order in the result, so output never depends
/// on which worker finished first.
package func parallelMap<Input: Sendable, Output: Sendable>(_ items: [Input], _ transform: @Sendable (Input) -> Output) -> [Output] {
    let results = ResultSlots<Output>(count: items.count)
    DispatchQueue.concurrentPerform(iterations: items.count) { index in
        let value = transform(items[index])
        results.lock.lock()
        results.values[index] = value
        results.lock.unlock()
    }
    return results.values.map { $0! }
}
