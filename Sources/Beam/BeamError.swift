/// Why a BEAM file could not be read. Reasons are named after `beam_lib`'s, so messages read like OTP's.
public struct BeamError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The file could not be opened or read; `detail` is the system's reason.
        case unreadable(detail: String)
        /// The file does not start with `FOR1 <size> BEAM` (after gunzip, if it was gzip-compressed).
        case notABeamFile
        /// gzip-compressed, but the compressed data is corrupt.
        case corruptCompression(detail: String)
        /// A chunk header is cut short at `offset`.
        case invalidBeamFile(offset: Int)
        /// A chunk declares more bytes than the file has after its header.
        case chunkTooBig(id: String, size: Int, available: Int)
        /// A chunk the operation needs is absent.
        case missingChunk(id: String)
        /// A chunk's contents do not parse; `detail` says what was wrong.
        case invalidChunk(id: String, detail: String)
    }

    public var path: String
    public var reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .unreadable(let detail):
            return "\(path): cannot read the file: \(detail)"
        case .notABeamFile:
            return "\(path): not a BEAM file (it does not start with FOR1...BEAM, plain or gzip-compressed); compile it with erlc"
        case .corruptCompression(let detail):
            return "\(path): gzip-compressed BEAM file is corrupt: \(detail); recompile it"
        case .invalidBeamFile(let offset):
            return "\(path): invalid format of BEAM file near byte number \(offset) (truncated chunk header); recompile it"
        case .chunkTooBig(let id, let size, let available):
            return "\(path): chunk \"\(id)\" declares \(size) bytes but only \(available) remain (the file is truncated); recompile it"
        case .missingChunk(let id):
            let what = id == "Atom" ? "the atom table (chunk \"AtU8\" or \"Atom\")" : "required chunk \"\(id)\""
            return "\(path): \(what) is missing; recompile it"
        case .invalidChunk(let id, let detail):
            return "\(path): chunk \"\(id)\" is invalid: \(detail)"
        }
    }
}
