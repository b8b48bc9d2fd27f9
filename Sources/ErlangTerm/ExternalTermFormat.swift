/// The External Term Format (`term_to_binary/1`, `binary_to_term/1`).
///
/// Encoding is byte-identical to `term_to_binary/1` for the OTP release the options name, for every term
/// except maps of more than 32 keys, whose order OTP takes from its internal hash (ours is map-key order,
/// which `binary_to_term/1` reads as the same map).
public enum ExternalTermFormat {
    /// The version byte that starts every encoded term.
    public static let versionMagic: UInt8 = 131

    /// How atoms are written, which is what differs between OTP releases by default.
    public enum AtomEncoding: Sendable {
        /// OTP 25 and earlier (`minor_version` 1): `ATOM_EXT` for atoms whose characters are all Latin-1,
        /// UTF-8 forms otherwise.
        case latin1WhereFits
        /// OTP 26 and later (`minor_version` 2): always `SMALL_ATOM_UTF8_EXT`/`ATOM_UTF8_EXT`.
        case utf8
    }

    public struct EncodingOptions: Sendable {
        public var atomEncoding: AtomEncoding
        /// Ports always as `V4_PORT_EXT` (64-bit ids), as OTP 27 and later write them; else `NEW_PORT_EXT` where
        /// the id fits 32 bits.
        public var alwaysV4Ports: Bool
        public init(atomEncoding: AtomEncoding, alwaysV4Ports: Bool = false) {
            self.atomEncoding = atomEncoding
            self.alwaysV4Ports = alwaysV4Ports
        }
        /// `term_to_binary/1` of OTP 25.
        public static let otp25 = EncodingOptions(atomEncoding: .latin1WhereFits)
        /// `term_to_binary/1` of OTP 26 (the same as `[{minor_version, 2}]` on OTP 25).
        public static let otp26 = EncodingOptions(atomEncoding: .utf8)
        /// `term_to_binary/1` of OTP 27 and later: version 4 node containers unconditionally.
        public static let otp27 = EncodingOptions(atomEncoding: .utf8, alwaysV4Ports: true)

        /// What `term_to_binary/1` of OTP `release` writes (map key order aside: from OTP 26 a small map's atom
        /// keys are in the node's atom-table order, which only that node knows).
        public static func of(otpRelease release: Int) -> EncodingOptions {
            release >= 27 ? .otp27 : release == 26 ? .otp26 : .otp25
        }
    }

    /// Tags of the format (erts `external.h`, documented in `erl_ext_dist`).
    enum Tag {
        static let newFloat: UInt8 = 70
        static let bitBinary: UInt8 = 77
        static let compressed: UInt8 = 80
        static let atomCacheReference: UInt8 = 82
        static let local: UInt8 = 121
        static let newPid: UInt8 = 88
        static let newPort: UInt8 = 89
        static let newerReference: UInt8 = 90
        static let smallInteger: UInt8 = 97
        static let integer: UInt8 = 98
        static let float: UInt8 = 99
        static let atom: UInt8 = 100
        static let reference: UInt8 = 101
        static let port: UInt8 = 102
        static let pid: UInt8 = 103
        static let smallTuple: UInt8 = 104
        static let largeTuple: UInt8 = 105
        static let `nil`: UInt8 = 106
        static let string: UInt8 = 107
        static let list: UInt8 = 108
        static let binary: UInt8 = 109
        static let smallBig: UInt8 = 110
        static let largeBig: UInt8 = 111
        static let newFun: UInt8 = 112
        static let export: UInt8 = 113
        static let newReference: UInt8 = 114
        static let smallAtom: UInt8 = 115
        static let map: UInt8 = 116
        static let fun: UInt8 = 117
        static let atomUTF8: UInt8 = 118
        static let smallAtomUTF8: UInt8 = 119
        static let v4Port: UInt8 = 120
    }

    /// Encodes `term` with the leading version byte, as `term_to_binary/1` does.
    public static func encode(_ term: Term, options: EncodingOptions = .otp25) -> [UInt8] {
        var encoder = ETFEncoder(options: options)
        encoder.output.append(versionMagic)
        encoder.encode(term)
        return encoder.output
    }

    /// Decodes the term at the start of `bytes` (which begins with the version byte) and says how many bytes
    /// it took, as `binary_to_term(Bin, [used])` does. Distribution messages put terms back to back.
    public static func decodePrefix(_ bytes: [UInt8]) throws(ErlangTermError) -> (term: Term, length: Int) {
        try ETFDecoder.decodePrefix(bytes)
    }

    /// Decodes a binary as `binary_to_term/1` does, compressed terms (tag 80) included; as there,
    /// bytes after the term are ignored.
    /// - Throws: `ErlangTermError` with the byte offset of the problem; never traps on bad input.
    public static func decode(_ bytes: [UInt8], file: String? = nil) throws(ErlangTermError) -> Term {
        do {
            return try ETFDecoder.decodeWhole(bytes)
        } catch {
            throw file.map { error.inFile($0) } ?? error
        }
    }
}
