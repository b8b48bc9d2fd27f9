/// An Erlang term.
///
/// Erlang has no string type: a string is a list of character codes. `Term` keeps a list that was
/// written as a string (or arrived as `STRING_EXT`) as `.string`, so that it prints as one, but a
/// `.string` and a `.list` of the same codes are the same term: `==`, hashing and ordering follow
/// Erlang's exact equality (`=:=`) and term order, whatever the representation.
///
/// Normal forms kept by every constructor in this module (and expected of callers):
/// integers that fit in `Int` are `.integer`, larger ones `.bigInteger`; `.string` is never empty
/// (the empty list is `.list([])`); `.improperList` has at least one element and a tail that is not a list;
/// `.bitstring` has 1...7 used bits in its last byte; `.map` entries are sorted in map-key order with no
/// duplicate keys (use `Term.sortedMap(_:)` to build one).
public indirect enum Term: Sendable {
    case atom(String)
    case integer(Int)
    case bigInteger(BigInteger)
    case float(Double)
    /// A proper list. `[]` is `.list([])`.
    case list([Term])
    /// `[E1, ..., En | Tail]` where `Tail` is not a list.
    case improperList([Term], tail: Term)
    /// A proper, non-empty list of character codes, written as text.
    case string(String)
    case binary([UInt8])
    /// A bitstring whose length is not a multiple of 8: the last byte holds `trailingBits` (1...7) bits, high bits first.
    case bitstring([UInt8], trailingBits: Int)
    case tuple([Term])
    case map([MapEntry])
    case pid(Pid)
    case port(Port)
    case reference(Reference)
    case fun(Fun)
    /// An external fun, `fun Module:Function/Arity`.
    case export(module: String, function: String, arity: Int)
}

/// One key-value pair of a map.
public struct MapEntry: Sendable, Hashable {
    public var key: Term
    public var value: Term
    public init(key: Term, value: Term) {
        self.key = key
        self.value = value
    }
}

/// A process identifier as the external format carries it.
public struct Pid: Sendable, Hashable {
    public var node: String
    public var id: UInt32
    public var serial: UInt32
    public var creation: UInt32
    public init(node: String, id: UInt32, serial: UInt32, creation: UInt32) {
        self.node = node
        self.id = id
        self.serial = serial
        self.creation = creation
    }
}

/// A port identifier as the external format carries it.
public struct Port: Sendable, Hashable {
    public var node: String
    public var id: UInt64
    public var creation: UInt32
    public init(node: String, id: UInt64, creation: UInt32) {
        self.node = node
        self.id = id
        self.creation = creation
    }
}

/// A reference as the external format carries it.
public struct Reference: Sendable, Hashable {
    public var node: String
    public var creation: UInt32
    public var ids: [UInt32]
    public init(node: String, creation: UInt32, ids: [UInt32]) {
        self.node = node
        self.creation = creation
        self.ids = ids
    }
}

/// A local fun (`NEW_FUN_EXT`), kept field by field so it encodes back to the same bytes.
public struct Fun: Sendable, Hashable {
    public var arity: UInt8
    public var uniq: [UInt8]
    public var index: UInt32
    public var module: String
    public var oldIndex: Term
    public var oldUniq: Term
    public var pid: Term
    public var freeVariables: [Term]
    public init(arity: UInt8, uniq: [UInt8], index: UInt32, module: String, oldIndex: Term, oldUniq: Term, pid: Term, freeVariables: [Term]) {
        self.arity = arity
        self.uniq = uniq
        self.index = index
        self.module = module
        self.oldIndex = oldIndex
        self.oldUniq = oldUniq
        self.pid = pid
        self.freeVariables = freeVariables
    }
}

// MARK: - Construction helpers that keep the normal forms

extension Term {
    /// An integer in normal form.
    public static func integer(_ value: BigInteger) -> Term {
        if let small = value.intValue { return .integer(small) }
        return .bigInteger(value)
    }

    /// A list of character codes: `.string` when non-empty, `[]` otherwise.
    public static func text(_ value: String) -> Term {
        value.isEmpty ? .list([]) : .string(value)
    }

    /// A map with its entries sorted in map-key order; a later duplicate key replaces an earlier one, as in `#{}` literals.
    public static func sortedMap(_ entries: [MapEntry]) -> Term {
        var sorted = entries.enumerated().sorted { lhs, rhs in
            let order = Term.compare(lhs.element.key, rhs.element.key, mapKeyOrder: true)
            return order != 0 ? order < 0 : lhs.offset < rhs.offset
        }.map(\.element)
        var index = sorted.count - 1
        while index > 0 {
            if Term.compare(sorted[index - 1].key, sorted[index].key, mapKeyOrder: true) == 0 {
                sorted.remove(at: index - 1)
            }
            index -= 1
        }
        return .map(sorted)
    }

    /// A list with an optional tail, in normal form (a list tail is spliced in).
    public static func list(_ elements: [Term], tail: Term) -> Term {
        switch tail {
        case .list(let rest): return .list(elements + rest)
        case .string(let rest): return .list(elements + rest.unicodeScalars.map { .integer(Int($0.value)) })
        case .improperList(let rest, let innerTail): return .improperList(elements + rest, tail: innerTail)
        default: return elements.isEmpty ? tail : .improperList(elements, tail: tail)
        }
    }
}

// MARK: - Accessors

extension Term {
    /// The atom's name, or `nil` if this is not an atom.
    public var atomValue: String? {
        if case .atom(let name) = self { return name }
        return nil
    }

    /// The elements of a proper list (a `.string` gives its character codes), or `nil` if this is not a proper list.
    public var listElements: [Term]? {
        switch self {
        case .list(let elements): return elements
        case .string(let text): return text.unicodeScalars.map { .integer(Int($0.value)) }
        default: return nil
        }
    }

    /// The text of a proper list of Unicode code points (`""` for `[]`), or `nil` otherwise.
    public var stringValue: String? {
        switch self {
        case .string(let text): return text
        case .list(let elements):
            var scalars = String.UnicodeScalarView()
            for element in elements {
                guard case .integer(let code) = element, let value = UInt32(exactly: code),
                      let scalar = Unicode.Scalar(value) else { return nil }
                scalars.append(scalar)
            }
            return String(scalars)
        default: return nil
        }
    }

    /// The elements of a tuple, or `nil` if this is not a tuple.
    public var tupleElements: [Term]? {
        if case .tuple(let elements) = self { return elements }
        return nil
    }

    /// True for `[]` and lists written as strings or element by element.
    public var isList: Bool {
        switch self {
        case .list, .string, .improperList: return true
        default: return false
        }
    }
}

extension Term: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, ExpressibleByFloatLiteral {
    /// A string literal is an Erlang string (a list of character codes); use `.atom` for atoms.
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(arrayLiteral elements: Term...) { self = .list(elements) }
    public init(floatLiteral value: Double) { self = .float(value) }
}
