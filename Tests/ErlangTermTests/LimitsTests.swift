import ErlangTerm
import Foundation
import TestSupport
import Testing

/// Bounds on what input can make the term code do, and big integers checked against OTP on both sides of them.
@Suite struct LimitsTests {
    /// A 19,999-digit literal is read (in groups of nine digits) to the value OTP reads, and written back as OTP
    /// prints it.
    @Test func aLongIntegerLiteralIsTheIntegerOTPReads() throws {
        var random = SeededRandom(seed: 11)
        let digits = "9" + String((1..<19_999).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
        let term = try TermReader.parseTerm(digits)
        let hex = ErlangOracle.hex(ExternalTermFormat.encode(term))
        let otp = try ErlangOracle.evaluate("io:format(\"~s\", [integer_to_list(binary_to_term(binary:decode_hex(<<\"\(hex)\">>)))])")
        #expect(otp == digits)
        #expect(TermWriter.render(term) == digits)
    }

    @Test func aLiteralOfMoreThan20000DigitsIsRefused() throws {
        #expect(throws: ErlangTermError.self) { try TermReader.parseTerm(String(repeating: "7", count: 200_000)) }
    }

    /// An integer of more than 4,096 limbs is written in base 16, which OTP reads back as the same value.
    @Test func aHugeIntegerIsWrittenInBase16ThatOTPReadsBack() throws {
        let bytes = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } + [1]
        let term = Term.integer(BigInteger(isNegative: true, littleEndianBytes: bytes))
        let text = TermWriter.render(term)
        #expect(text.hasPrefix("-16#"))
        let hex = ErlangOracle.hex(ExternalTermFormat.encode(term))
        let same = try ErlangOracle.evaluate("""
            {ok, T, _} = erl_scan:string("\(text)."), {ok, V} = erl_parse:parse_term(T), \
            io:format("~p", [V =:= binary_to_term(binary:decode_hex(<<"\(hex)">>))])
            """)
        #expect(same == "true")
    }

    /// A compressed term declaring more than 256 MiB, and a list of millions of [] (a few megabytes that would be
    /// gigabytes of terms), are refused, not allocated.
    @Test func oversizedExternalTermsAreRefused() throws {
        var header: [UInt8] = [131, 80, 0x40, 0x00, 0x00, 0x00]  // declares 1 GiB
        header += [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]
        #expect(throws: ErlangTermError.self) { try ExternalTermFormat.decode(header) }
        let count = 9 << 20
        var list: [UInt8] = [131, 108] + withUnsafeBytes(of: UInt32(count).bigEndian, Array.init)
        list += [UInt8](repeating: 106, count: count + 1)
        #expect(throws: ErlangTermError.self) { try ExternalTermFormat.decode(list) }
    }
}
