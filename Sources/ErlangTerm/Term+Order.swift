// Erlang's term order and exact equality, independent of how a list is represented.
//
// Standard order: number < atom < reference < fun < port < pid < tuple < map < nil < list < bitstring.
// Map-key order (how maps sort their keys, and how `term_to_binary` lays out maps of up to 32 keys)
// is the same except that every integer sorts before every float; it is also exact: 1 and 1.0 differ.

extension Term: Equatable, Hashable, Comparable {
    /// Exact equality (`=:=`): `1 == 1.0` is false, a `.string` equals the `.list` of its codes.
    public static func == (lhs: Term, rhs: Term) -> Bool {
        compare(lhs, rhs, mapKeyOrder: true) == 0
    }

    /// Map-key order, which is total and agrees with `==`.
    public static func < (lhs: Term, rhs: Term) -> Bool {
        compare(lhs, rhs, mapKeyOrder: true) < 0
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .atom(let name): hasher.combine(2); hasher.combine(name)
        case .integer(let value): hasher.combine(0); hasher.combine(value)
        case .bigInteger(let value): hasher.combine(0); hasher.combine(value)
        case .float(let value): hasher.combine(1); hasher.combine(value.bitPattern)
        case .list(let elements):
            hasher.combine(elements.isEmpty ? 9 : 10)
            for element in elements { element.hash(into: &hasher) }
        case .string(let text):
            hasher.combine(10)
            for scalar in text.unicodeScalars { Term.integer(Int(scalar.value)).hash(into: &hasher) }
        case .improperList(let elements, let tail):
            hasher.combine(10)
            for element in elements { element.hash(into: &hasher) }
            hasher.combine(-1)
            tail.hash(into: &hasher)
        case .binary(let bytes): hasher.combine(11); hasher.combine(bytes); hasher.combine(0)
        case .bitstring(let bytes, let bits): hasher.combine(11); hasher.combine(bytes); hasher.combine(bits)
        case .tuple(let elements): hasher.combine(7); hasher.combine(elements)
        case .map(let entries): hasher.combine(8); hasher.combine(entries)
        case .pid(let pid): hasher.combine(6); hasher.combine(pid)
        case .port(let port): hasher.combine(5); hasher.combine(port)
        case .reference(let reference): hasher.combine(3); hasher.combine(reference)
        case .fun(let fun): hasher.combine(4); hasher.combine(fun)
        case .export(let module, let function, let arity):
            hasher.combine(4); hasher.combine(module); hasher.combine(function); hasher.combine(arity)
        }
    }

    /// Compares two terms: negative, zero or positive.
    /// - Parameter mapKeyOrder: `true` for map-key order (integers before floats, exact);
    ///   `false` for the standard order, where `1` and `1.0` compare equal.
    public static func compare(_ a: Term, _ b: Term, mapKeyOrder: Bool = false) -> Int {
        let rankA = a.typeRank(mapKeyOrder: mapKeyOrder)
        let rankB = b.typeRank(mapKeyOrder: mapKeyOrder)
        if rankA != rankB { return rankA < rankB ? -1 : 1 }
        switch (a, b) {
        case (.atom(let x), .atom(let y)):
            return compareText(x, y)
        case (.tuple(let x), .tuple(let y)):
            if x.count != y.count { return x.count < y.count ? -1 : 1 }
            return compareSequences(x, y, mapKeyOrder: mapKeyOrder)
        case (.map(let x), .map(let y)):
            if x.count != y.count { return x.count < y.count ? -1 : 1 }
            let keys = compareSequences(x.map(\.key), y.map(\.key), mapKeyOrder: true)
            if keys != 0 { return keys }
            return compareSequences(x.map(\.value), y.map(\.value), mapKeyOrder: mapKeyOrder)
        case (.string(let x), .string(let y)):
            return compareText(x, y)
        case (.pid(let x), .pid(let y)):
            return firstNonZero([compareText(x.node, y.node), order(x.id, y.id), order(x.serial, y.serial), order(x.creation, y.creation)])
        case (.port(let x), .port(let y)):
            return firstNonZero([compareText(x.node, y.node), order(x.id, y.id), order(x.creation, y.creation)])
        case (.reference(let x), .reference(let y)):
            return firstNonZero([compareText(x.node, y.node), order(x.ids.count, y.ids.count),
                                 compareSequences(x.ids.reversed().map { Term.integer(Int($0)) }, y.ids.reversed().map { Term.integer(Int($0)) }, mapKeyOrder: true),
                                 order(x.creation, y.creation)])
        default:
            break
        }
        if rankA == 0 || rankA == 1 { return compareNumbers(a, b, mapKeyOrder: mapKeyOrder) }
        if rankA == 10 { return compareLists(a, b, mapKeyOrder: mapKeyOrder) }
        if rankA == 11 { return compareBits(a, b) }
        if rankA == 4 { return compareFuns(a, b, mapKeyOrder: mapKeyOrder) }
        return 0 // both nil
    }

    private func typeRank(mapKeyOrder: Bool) -> Int {
        switch self {
        case .integer, .bigInteger: return 0
        case .float: return mapKeyOrder ? 1 : 0
        case .atom: return 2
        case .reference: return 3
        case .fun, .export: return 4
        case .port: return 5
        case .pid: return 6
        case .tuple: return 7
        case .map: return 8
        case .list(let elements): return elements.isEmpty ? 9 : 10
        case .string, .improperList: return 10
        case .binary, .bitstring: return 11
        }
    }

    private static func order<T: Comparable>(_ x: T, _ y: T) -> Int { x == y ? 0 : (x < y ? -1 : 1) }
    private static func firstNonZero(_ orders: [Int]) -> Int { orders.first { $0 != 0 } ?? 0 }

    /// Code point order, which is what UTF-8 byte order gives (Swift's `<` on String is not).
    /// Compares atom names or texts in code point order, as Erlang orders atoms.
    public static func compareText(_ x: String, _ y: String) -> Int {
        var left = x, right = y
        // withUTF8 gives contiguous bytes (copying only non-native strings); comparing them directly is
        // many times faster than the generic lexicographicallyPrecedes, and this runs in every sort of atoms.
        return left.withUTF8 { a in
            right.withUTF8 { b in
                let common = min(a.count, b.count)
                var index = 0
                while index < common {
                    if a[index] != b[index] { return a[index] < b[index] ? -1 : 1 }
                    index += 1
                }
                return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
            }
        }
    }

    private static func compareSequences(_ x: [Term], _ y: [Term], mapKeyOrder: Bool) -> Int {
        for (left, right) in zip(x, y) {
            let result = compare(left, right, mapKeyOrder: mapKeyOrder)
            if result != 0 { return result }
        }
        return order(x.count, y.count)
    }

    private static func compareNumbers(_ a: Term, _ b: Term, mapKeyOrder: Bool) -> Int {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return order(x, y)
        case (.float(let x), .float(let y)):
            if x != y { return x < y ? -1 : 1 }
            return order(y.sign == .minus ? 1 : 0, x.sign == .minus ? 1 : 0) // -0.0 before 0.0
        default:
            let x = a.numericValue, y = b.numericValue
            switch (x, y) {
            case (.big(let p), .big(let q)): return BigInteger.compare(p, q)
            default:
                let dx = x.doubleValue, dy = y.doubleValue
                if dx != dy { return dx < dy ? -1 : 1 }
                // Equal as doubles: decide exactly where one side is an integer too large for a double to hold exactly.
                return 0
            }
        }
    }

    private enum Numeric {
        case big(BigInteger), double(Double)
        var doubleValue: Double {
            switch self {
            case .double(let value): return value
            case .big(let value):
                var result = 0.0
                for limb in value.limbs.reversed() { result = result * 4294967296.0 + Double(limb) }
                return value.isNegative ? -result : result
            }
        }
    }

    private var numericValue: Numeric {
        switch self {
        case .integer(let value): return .big(BigInteger(value))
        case .bigInteger(let value): return .big(value)
        case .float(let value): return .double(value)
        default: return .double(0)
        }
    }

    /// The cons cells of a list: its elements and the tail after them (`[]` for a proper list).
    private var consCells: (elements: [Term], tail: Term) {
        switch self {
        case .list(let elements): return (elements, .list([]))
        case .string(let text): return (text.unicodeScalars.map { .integer(Int($0.value)) }, .list([]))
        case .improperList(let elements, let tail): return (elements, tail)
        default: return ([], self)
        }
    }

    private static func compareLists(_ a: Term, _ b: Term, mapKeyOrder: Bool) -> Int {
        let x = a.consCells, y = b.consCells
        for (left, right) in zip(x.elements, y.elements) {
            let result = compare(left, right, mapKeyOrder: mapKeyOrder)
            if result != 0 { return result }
        }
        let common = min(x.elements.count, y.elements.count)
        let restA = Term.list(Array(x.elements.dropFirst(common)), tail: x.tail)
        let restB = Term.list(Array(y.elements.dropFirst(common)), tail: y.tail)
        if x.elements.count == common && y.elements.count == common {
            return compare(x.tail, y.tail, mapKeyOrder: mapKeyOrder)
        }
        return compare(restA, restB, mapKeyOrder: mapKeyOrder)
    }

    private var bits: (bytes: [UInt8], bitCount: Int) {
        switch self {
        case .binary(let bytes): return (bytes, bytes.count * 8)
        case .bitstring(let bytes, let trailing): return (bytes, (bytes.count - 1) * 8 + trailing)
        default: return ([], 0)
        }
    }

    private static func compareBits(_ a: Term, _ b: Term) -> Int {
        let x = a.bits, y = b.bits
        for (left, right) in zip(x.bytes, y.bytes) where left != right { return left < right ? -1 : 1 }
        return order(x.bitCount, y.bitCount)
    }

    private static func compareFuns(_ a: Term, _ b: Term, mapKeyOrder: Bool) -> Int {
        switch (a, b) {
        case (.export(let m1, let f1, let a1), .export(let m2, let f2, let a2)):
            return firstNonZero([compareText(m1, m2), compareText(f1, f2), order(a1, a2)])
        case (.export, .fun): return 1
        case (.fun, .export): return -1
        case (.fun(let x), .fun(let y)):
            return firstNonZero([compareText(x.module, y.module), order(x.index, y.index),
                                 compareSequences(x.uniq.map { Term.integer(Int($0)) }, y.uniq.map { Term.integer(Int($0)) }, mapKeyOrder: true),
                                 compare(.list(x.freeVariables), .list(y.freeVariables), mapKeyOrder: mapKeyOrder),
                                 compare(x.pid, y.pid, mapKeyOrder: mapKeyOrder), order(Int(x.arity), Int(y.arity)),
                                 compare(x.oldIndex, y.oldIndex, mapKeyOrder: mapKeyOrder),
                                 compare(x.oldUniq, y.oldUniq, mapKeyOrder: mapKeyOrder)])
        default: return 0
        }
    }
}
