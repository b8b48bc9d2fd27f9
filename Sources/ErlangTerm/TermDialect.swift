/// What the term syntax of one OTP release accepts, where releases differ. `file:consult/1` of OTP 27 and later
/// refuses two things OTP 25 and 26 read: `maybe` and `else` unquoted (they are keywords once the `maybe_expr` feature
/// is on, its default from OTP 27), and two strings with nothing between them (`"a""b"`, erl_scan's `string_concat`,
/// which makes room for triple-quoted strings).
public struct TermDialect: Sendable, Equatable {
    public var otpRelease: Int

    public init(otpRelease: Int) { self.otpRelease = otpRelease }

    /// OTP 25's (and 26's) syntax: the most permissive of the releases Relswap supports.
    public static let otp25 = TermDialect(otpRelease: 25)

    var maybeIsKeyword: Bool { otpRelease >= 27 }
    var adjacentStringsNeedSpace: Bool { otpRelease >= 27 }
}
