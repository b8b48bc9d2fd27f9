/// A cursor over bytes whose reads return `nil` when there are not enough bytes, and then do not move.
///
/// The same contract as NIO's `ByteBuffer.readInteger`: short data is never a trap, only a `nil`
/// that the caller turns into an error naming the offset.
@frozen
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    /// Where the next read starts. Set only by the reads, so that a failed read leaves it in place.
    public var offset: Int { position }
    @usableFromInline var position: Int
    @usableFromInline let end: Int

    @inlinable
    public init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.position = offset
        self.end = min(end ?? bytes.count, bytes.count)
    }

    @inlinable
    public var remaining: Int { max(0, end - position) }

    @inlinable
    public mutating func readByte() -> UInt8? {
        guard position < end else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    /// Reads a big-endian unsigned integer of `T`'s width.
    @inlinable
    public mutating func readInteger<T: FixedWidthInteger & UnsignedInteger>(as type: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { return nil }
        var value: T = 0
        for index in position..<(position + size) { value = (value << 8) | T(bytes[index]) }
        position += size
        return value
    }

    @inlinable
    public mutating func readBytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= remaining else { return nil }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    @inlinable
    public mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= remaining else { return false }
        position += count
        return true
    }
}
