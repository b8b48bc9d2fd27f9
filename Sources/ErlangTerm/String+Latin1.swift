extension String {
    /// Text from Latin-1 bytes, each byte the code point of its value: OTP's Latin-1 atoms, `STRING_EXT`, Latin-1
    /// term files and binaries shown as text. ASCII bytes, nearly all, are the same text in UTF-8 and are taken as they
    /// are; only other bytes are converted one code point at a time.
    package init<Bytes: Collection>(latin1 bytes: Bytes) where Bytes.Element == UInt8 {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            self = String(decoding: bytes, as: UTF8.self)
        } else {
            self = String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        }
    }
}
