import CZlib

/// Errors from zlib, worded for the caller to wrap with a file name and offset.
package enum ZlibError: Error, Sendable, Equatable {
    /// The compressed data is corrupt or cut short; `detail` is zlib's own message where it gave one.
    case corrupt(detail: String)
    /// The data inflates to more bytes than the limit the caller set.
    case tooLarge(limit: Int)
}

/// Thin, bounded wrappers over zlib's inflate.
///
/// Every entry point takes a limit on the output size so that a hostile header cannot make us
/// allocate or loop without bound.
package enum Zlib {
    /// Formats zlib can read, chosen by `windowBits` as zlib documents it.
    package enum Container: Sendable {
        case zlib, gzip, raw
        var windowBits: Int32 {
            switch self {
            case .zlib: return 15
            case .gzip: return 15 + 16
            case .raw: return -15
            }
        }
    }

    /// Inflates `input` completely.
    /// - Parameters:
    ///   - container: the framing around the deflate data.
    ///   - limit: the most bytes the result may have.
    ///   - sizeHint: the expected size, used to size the first buffer (clamped to `limit`).
    /// - Throws: `ZlibError.corrupt` for bad or truncated data, `ZlibError.tooLarge` past `limit`.
    package static func inflate(_ input: [UInt8], container: Container, limit: Int, sizeHint: Int? = nil) throws(ZlibError) -> [UInt8] {
        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, container.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw .corrupt(detail: "inflateInit2 failed (\(initStatus))") }
        defer { inflateEnd(&stream) }

        var output = [UInt8]()
        // A declared size is a hint, not a promise: reserve at most 64 MiB up front.
        let firstCapacity = min(limit, max(64, min(sizeHint ?? input.count * 4, 64 << 20)))
        output.reserveCapacity(firstCapacity)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var result: ZlibError? = nil
        input.withUnsafeBufferPointer { inputBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = UInt32(inputBuffer.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return chunkBuffer.count - Int(stream.avail_out)
                }
                if status != Z_OK && status != Z_STREAM_END {
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    result = .corrupt(detail: status == Z_BUF_ERROR ? "unexpected end of compressed data" : message)
                    return
                }
                if produced > limit - output.count {
                    result = .tooLarge(limit: limit)
                    return
                }
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_OK && produced == 0 && stream.avail_in == 0 {
                    // No input left and no progress: the stream was cut short.
                    result = .corrupt(detail: "unexpected end of compressed data")
                    return
                }
            } while status != Z_STREAM_END
        }
        if let result { throw result }
        return output
    }

    /// Compresses `input` as a zlib stream (as `zlib:compress/1` does).
    package static func compress(_ input: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION) -> [UInt8] {
        var destinationLength = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(destinationLength))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                compress2(out.baseAddress, &destinationLength, inp.baseAddress, uLong(inp.count), level)
            }
        }
        precondition(status == Z_OK, "compress2 cannot fail with a buffer of compressBound size")
        output.removeSubrange(Int(destinationLength)...)
        return output
    }
}
