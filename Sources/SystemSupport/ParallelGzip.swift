import CISAL
import CZlib
import Dispatch

/// How hard an archive is compressed. All three write one ordinary gzip stream.
package enum Compression: String, Sendable, CaseIterable {
    /// ISA-L's igzip level 0: the least CPU, about 1.1x the size of gzip -6.
    case fast
    /// ISA-L's igzip level 1: several times faster than zlib, a little smaller than gzip -6 (chosen by measurement:
    /// levels 2 and 3 cost more time for 1 to 2 % less size; docs/performance.md).
    case `default`
    /// zlib level 9: the smallest, the slowest.
    case best
}

/// gzip on every core, in a form `erl_tar` (which reads only the first member of a gzip file) still reads:
/// one gzip member whose deflate data was made in independent pieces, each ended by a sync flush and the last
/// by finish, as pigz does; the trailer's CRC-32 is combined from the pieces'.
///
/// The pieces are deflated by Intel's ISA-L (`fast`, `default`: its igzip levels 0 and 1, which take a sync flush as
/// zlib does) or by zlib (`best`, level 9). libdeflate, also measured, compresses whole buffers only, each ending in
/// a final block, so its pieces cannot be joined into one stream (docs/performance.md has the figures).
///
/// Input is taken in pieces of `pieceSize` bytes, each handed to the next of a few worker threads (two per core) as
/// soon as it is full, while the caller goes on producing input (reading files, writing the tar); output is written
/// to `sink` in order as the oldest piece is done. At most `maxInFlight` pieces are held, so memory stays bounded
/// whatever the input's size. (Pieces used to go in batches, each waited for whole before the next started, which
/// left the cores idle at every batch's end.) The header has no name and no time, so the same input always gives the
/// same bytes.
package final class ParallelGzip {
    package static let pieceSize = 256 * 1024

    private let sink: ([UInt8]) throws -> Void
    private let compression: Compression
    private var current = [UInt8]()
    /// The last full piece, not yet handed out: whether it ends the stream is known only when more input comes or
    /// the stream is finished.
    private var held: [UInt8]?
    private var crc: uLong = crc32(0, nil, 0)
    private var length: UInt64 = 0
    /// Pieces being compressed, oldest first.
    private var inFlight = [Piece]()
    private let maxInFlight: Int
    private var nextWorker = 0
    /// Threads of their own, each keeping its compressor's working buffer from piece to piece.
    private let workers: WorkerThreads<Scratch>

    /// A worker's compressor memory, kept across pieces: allocating and clearing it for each 256 KiB piece cost
    /// more than a tenth of the CPU time of a whole archive (page faults and memset).
    package struct Scratch {
        package var levelBuffer: [UInt8]
        package init(levelBuffer: [UInt8]) { self.levelBuffer = levelBuffer }
    }

    /// One piece in flight: written by its worker, read after `done` is signalled.
    private final class Piece: @unchecked Sendable {
        let length: Int
        var output = [UInt8]()
        var crc: uLong = 0
        let done = DispatchSemaphore(value: 0)
        init(length: Int) { self.length = length }
    }

    package init(compression: Compression = .default, sink: @escaping ([UInt8]) throws -> Void) throws {
        self.sink = sink
        self.compression = compression
        let size = Self.levelBufferSize(compression)
        // Threads of their own, not Dispatch: its pool is as wide as the machine has cores, and the caller (a Swift
        // task, itself on that pool) holds one of them while it reads and tars, which left one core compressing.
        workers = WorkerThreads(count: max(2, 2 * ProcessInfo.processInfo.activeProcessorCount)) {
            // Level 0 needs no buffer (its size is 0); one byte keeps the pointer non-nil.
            Scratch(levelBuffer: [UInt8](repeating: 0, count: max(1, size)))
        }
        maxInFlight = 2 * workers.count
        current.reserveCapacity(Self.pieceSize)
        // ID1 ID2, deflate, no flags, mtime 0, no extra flags, OS unix.
        try sink([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3])
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let take = min(Self.pieceSize - current.count, bytes.count - offset)
            // A contiguous typed buffer: appended by one copy (a slice of raw bytes was appended byte by byte).
            current.append(contentsOf: UnsafeBufferPointer(start: bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self), count: take))
            offset += take
            if current.count == Self.pieceSize {
                if let previous = held { try start(previous, final: false) }
                held = current
                current = []
                current.reserveCapacity(Self.pieceSize)
            }
        }
    }

    /// Compresses what is left, ends the stream and writes the trailer.
    package func finish() throws {
        if !current.isEmpty {
            if let previous = held { try start(previous, final: false) }
            try start(current, final: true)
        } else {
            // The last full piece ends the stream; with no input at all, an empty final block does.
            try start(held ?? [], final: true)
        }
        held = nil
        current = []
        while !inFlight.isEmpty { try writeOldest() }
        var trailer = [UInt8]()
        for shift in stride(from: 0, to: 32, by: 8) { trailer.append(UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: crc) >> UInt32(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { trailer.append(UInt8(truncatingIfNeeded: length >> UInt64(shift))) }
        try sink(trailer)
    }

    /// Hands a piece to the next worker, after writing out the oldest ones if `maxInFlight` are held.
    private func start(_ input: [UInt8], final: Bool) throws {
        while inFlight.count >= maxInFlight { try writeOldest() }
        let piece = Piece(length: input.count)
        workers.run(on: nextWorker) { [compression] scratch in
            // ISA-L's CRC (carry-less multiplication) is the gzip CRC of zlib's crc32, several times faster.
            piece.crc = input.withUnsafeBufferPointer { uLong(crc32_gzip_refl(0, $0.baseAddress, UInt64($0.count))) }
            piece.output = Self.deflate(input, compression: compression, final: final, scratch: &scratch)
            piece.done.signal()
        }
        nextWorker = (nextWorker + 1) % workers.count
        inFlight.append(piece)
    }

    /// Waits for the oldest piece in flight and writes its output.
    private func writeOldest() throws {
        let piece = inFlight.removeFirst()
        piece.done.wait()
        crc = crc32_combine(crc, piece.crc, off_t(piece.length))
        length += UInt64(piece.length)
        try sink(piece.output)
    }

    /// Raw deflate of one piece: a sync flush ends all but the final piece, so the pieces join into one stream.
    package static func deflate(_ input: [UInt8], compression: Compression, final: Bool, scratch: inout Scratch) -> [UInt8] {
        if let level = isalLevel(compression) { return isalDeflate(input, level: level, final: final, levelBuffer: &scratch.levelBuffer) }
        return zlibDeflate(input, level: 9, final: final)
    }

    /// The size of the working memory ISA-L needs at a compression's level (0 for level 0 and for zlib).
    package static func levelBufferSize(_ compression: Compression) -> Int {
        isalLevel(compression).map { relswap_isal_level_buffer_size(Int32($0)) } ?? 0
    }

    /// The ISA-L level of a compression, or nil for zlib's.
    static func isalLevel(_ compression: Compression) -> UInt32? {
        switch compression {
        case .fast: return 0
        case .default: return 1
        case .best: return nil
        }
    }

    /// ISA-L's streaming deflate of one piece, raw (no header), ended by a sync flush or, for the last, the final
    /// block. The output grows until ISA-L has room to write everything it was asked to.
    /// - Parameter levelBuffer: the level's working memory (`relswap_isal_level_buffer_size`), which ISA-L sets up
    ///   itself at the start of each stream, so it is reused as it is.
    static func isalDeflate(_ input: [UInt8], level: UInt32, final: Bool, levelBuffer: inout [UInt8]) -> [UInt8] {
        var stream = isal_zstream()
        isal_deflate_init(&stream)
        stream.level = level
        stream.gzip_flag = UInt16(IGZIP_DEFLATE)
        stream.end_of_stream = final ? 1 : 0
        stream.flush = UInt16(final ? NO_FLUSH : SYNC_FLUSH)
        var output = [UInt8]()
        levelBuffer.withUnsafeMutableBufferPointer { levelPointer in
            input.withUnsafeBufferPointer { inputBuffer in
                stream.level_buf = levelPointer.baseAddress
                stream.level_buf_size = UInt32(levelPointer.count)
                // The C field is not const; ISA-L only reads through it (a mutable copy of the piece cost a copy).
                stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
                stream.avail_in = UInt32(inputBuffer.count)
                var room = inputBuffer.count + inputBuffer.count / 16 + 1024
                while true {
                    // Not cleared first: only the bytes ISA-L reports as produced are counted as the array's.
                    let part = [UInt8](unsafeUninitializedCapacity: room) { buffer, count in
                        stream.next_out = buffer.baseAddress
                        stream.avail_out = UInt32(buffer.count)
                        let status = isal_deflate(&stream)
                        precondition(status == COMP_OK, "isal_deflate failed: \(status)")
                        count = buffer.count - Int(stream.avail_out)
                    }
                    if output.isEmpty { output = part } else { output += part }
                    // Room left over: ISA-L wrote all it had (the flush, or the end of the stream, included).
                    if stream.avail_out > 0 && stream.avail_in == 0 { break }
                    room = room / 2 + 1024
                }
            }
        }
        return output
    }

    static func zlibDeflate(_ input: [UInt8], level: Int32, final: Bool) -> [UInt8] {
        var stream = z_stream()
        deflateInit2_(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 16)
        let produced = input.withUnsafeBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                // zlib only reads through next_in (it is not const in its header).
                stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
                stream.avail_in = uInt(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputBuffer.count)
                _ = CZlib.deflate(&stream, final ? Z_FINISH : Z_SYNC_FLUSH)
                return outputBuffer.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(produced...)
        return output
    }
}

import Foundation
