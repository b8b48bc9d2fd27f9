/// An integer of any size, as Erlang has them.
///
/// Only what the formats need is here: conversion from and to text in any base from 2 to 36,
/// from and to the little-endian magnitude bytes of `SMALL_BIG_EXT`/`LARGE_BIG_EXT`, and ordering.
/// Values that fit in `Int` are kept as `Term.integer`; see `Term.integer(_:)` for the normal form.
public struct BigInteger: Sendable, Hashable, CustomStringConvertible {
    /// True for values below zero. Zero is never negative.
    public let isNegative: Bool
    /// Magnitude as 32-bit limbs, least significant first, without leading (high) zero limbs.
    public let limbs: [UInt32]

    public init(isNegative: Bool, limbs: [UInt32]) {
        var trimmed = limbs
        while let last = trimmed.last, last == 0 { trimmed.removeLast() }
        self.limbs = trimmed
        self.isNegative = trimmed.isEmpty ? false : isNegative
    }

    public init(_ value: Int) {
        let magnitude = value.magnitude
        self.init(isNegative: value < 0, limbs: [UInt32(truncatingIfNeeded: magnitude), UInt32(truncatingIfNeeded: magnitude >> 32)])
    }

    /// Builds a value from little-endian magnitude bytes, as the external format stores them.
    public init(isNegative: Bool, littleEndianBytes bytes: some Collection<UInt8>) {
        var limbs = [UInt32]()
        limbs.reserveCapacity((bytes.count + 3) / 4)
        var limb: UInt32 = 0
        var shift: UInt32 = 0
        for byte in bytes {
            limb |= UInt32(byte) << shift
            shift += 8
            if shift == 32 { limbs.append(limb); limb = 0; shift = 0 }
        }
        if shift > 0 { limbs.append(limb) }
        self.init(isNegative: isNegative, limbs: limbs)
    }

    /// Parses digits (no sign) in `radix`; `nil` if a digit is out of range or there are none.
    public init?(digits: some StringProtocol, radix: Int) {
        guard (2...36).contains(radix), !digits.isEmpty else { return nil }
        // Digits are taken in groups that fit one limb (nine decimal digits), so each pass over the limbs
        // consumes a group rather than one digit.
        let perGroup = BigInteger.digitsPerLimb(radix)
        var limbs: [UInt32] = []
        var group: UInt32 = 0, groupSize = 0
        for scalar in digits.unicodeScalars {
            guard let digit = BigInteger.digitValue(scalar), digit < radix else { return nil }
            group = group * UInt32(radix) + UInt32(digit)
            groupSize += 1
            if groupSize == perGroup.count {
                BigInteger.multiplyAdd(&limbs, multiplier: perGroup.power, addend: group)
                group = 0
                groupSize = 0
            }
        }
        if groupSize > 0 {
            var power: UInt32 = 1
            for _ in 0..<groupSize { power *= UInt32(radix) }
            BigInteger.multiplyAdd(&limbs, multiplier: power, addend: group)
        }
        while let last = limbs.last, last == 0 { limbs.removeLast() }
        self.init(isNegative: false, limbs: limbs)
    }

    public var negated: BigInteger { BigInteger(isNegative: !isNegative, limbs: limbs) }
    var negatedIfNegative: BigInteger { isNegative ? negated : self }
    var limbCount: Int { limbs.count }
    public var isZero: Bool { limbs.isEmpty }

    /// The value as `Int`, or `nil` if it does not fit.
    public var intValue: Int? {
        guard limbs.count <= 2 else { return nil }
        var magnitude: UInt64 = 0
        for (index, limb) in limbs.enumerated() { magnitude |= UInt64(limb) << (32 * UInt64(index)) }
        if isNegative {
            if magnitude <= UInt64(Int.max) { return -Int(magnitude) }
            if magnitude == UInt64(Int.max) + 1 { return Int.min }
            return nil
        }
        return magnitude <= UInt64(Int.max) ? Int(magnitude) : nil
    }

    /// Magnitude bytes, least significant first, with no high zero bytes (empty for zero).
    public var littleEndianMagnitude: [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(limbs.count * 4)
        for limb in limbs {
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: limb >> UInt32(shift))) }
        }
        while let last = bytes.last, last == 0 { bytes.removeLast() }
        return bytes
    }

    /// Text in `radix` (2...36), upper-case digits as Erlang prints them, with a `-` for negatives.
    public func text(radix: Int = 10) -> String {
        precondition((2...36).contains(radix))
        if limbs.isEmpty { return "0" }
        var work = limbs
        var digits = [UInt8]()
        let digitChars = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        let perGroup = BigInteger.digitsPerLimb(radix)
        while !work.isEmpty {
            // One division gives a group of digits (nine decimal ones), least significant first.
            var remainder = BigInteger.divide(&work, by: perGroup.power)
            for _ in 0..<perGroup.count {
                if work.isEmpty && remainder == 0 { break }
                digits.append(digitChars[Int(remainder % UInt32(radix))])
                remainder /= UInt32(radix)
            }
        }
        if isNegative { digits.append(UInt8(ascii: "-")) }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }

    public var description: String { text() }

    /// The most digits of `radix` whose value always fits one limb, and `radix` to that power.
    static func digitsPerLimb(_ radix: Int) -> (count: Int, power: UInt32) {
        var count = 0
        var power: UInt64 = 1
        while power * UInt64(radix) <= UInt64(UInt32.max) {
            power *= UInt64(radix)
            count += 1
        }
        return (count, UInt32(power))
    }

    /// Orders by value.
    public static func compare(_ a: BigInteger, _ b: BigInteger) -> Int {
        if a.isNegative != b.isNegative { return a.isNegative ? -1 : 1 }
        let magnitudeOrder = compareMagnitude(a.limbs, b.limbs)
        return a.isNegative ? -magnitudeOrder : magnitudeOrder
    }

    static func compareMagnitude(_ a: [UInt32], _ b: [UInt32]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for index in stride(from: a.count - 1, through: 0, by: -1) where a[index] != b[index] {
            return a[index] < b[index] ? -1 : 1
        }
        return 0
    }

    static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar.value {
        case 0x30...0x39: return Int(scalar.value - 0x30)
        case 0x41...0x5A: return Int(scalar.value - 0x41 + 10)
        case 0x61...0x7A: return Int(scalar.value - 0x61 + 10)
        default: return nil
        }
    }

    static func multiplyAdd(_ limbs: inout [UInt32], multiplier: UInt32, addend: UInt32) {
        var carry = UInt64(addend)
        for index in limbs.indices {
            let product = UInt64(limbs[index]) * UInt64(multiplier) + carry
            limbs[index] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
        }
        if carry > 0 { limbs.append(UInt32(carry)) }
    }

    /// Divides in place, trimming high zero limbs; returns the remainder.
    static func divide(_ limbs: inout [UInt32], by divisor: UInt32) -> UInt32 {
        var remainder: UInt64 = 0
        for index in stride(from: limbs.count - 1, through: 0, by: -1) {
            let current = (remainder << 32) | UInt64(limbs[index])
            limbs[index] = UInt32(current / UInt64(divisor))
            remainder = current % UInt64(divisor)
        }
        while let last = limbs.last, last == 0 { limbs.removeLast() }
        return UInt32(remainder)
    }
}
