/// A cursor over bytes whose reads return `nil` when there are not enough bytes, and then do not move.
///
/// The same contract as NIO's `ByteBuffer.readInteger`: short data is never a trap, only a `nil`
/// that the caller turns into an error naming the offset.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    private let end: Int

    public init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = min(end ?? bytes.count, bytes.count)
    }

    public var remaining: Int { max(0, end - offset) }

    public mutating func readByte() -> UInt8? {
        guard offset < end else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a big-endian unsigned integer of `T`'s width.
    public mutating func readInteger<T: FixedWidthInteger & UnsignedInteger>(as type: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { return nil }
        var value: T = 0
        for index in offset..<(offset + size) { value = (value << 8) | T(bytes[index]) }
        offset += size
        return value
    }

    public mutating func readBytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    public mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= remaining else { return false }
        offset += count
        return true
    }
}
