import Distribution
import Foundation

extension NodeName {
    /// This host's short name, which a bare `-sname` node name gets (what `erl -sname` uses).
    public static var localShortHost: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(String(decoding: bytes, as: UTF8.self).prefix { $0 != "." })
    }
}
