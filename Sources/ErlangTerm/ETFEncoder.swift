/// Writes terms in the External Term Format with the choices `term_to_binary/1` makes.
struct ETFEncoder {
    typealias Tag = ExternalTermFormat.Tag
    let options: ExternalTermFormat.EncodingOptions
    var output: [UInt8] = []

    init(options: ExternalTermFormat.EncodingOptions) {
        self.options = options
        output.reserveCapacity(256)
    }

    mutating func put32(_ value: UInt32) {
        output.append(UInt8(truncatingIfNeeded: value >> 24))
        output.append(UInt8(truncatingIfNeeded: value >> 16))
        output.append(UInt8(truncatingIfNeeded: value >> 8))
        output.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func put16(_ value: Int) {
        output.append(UInt8(truncatingIfNeeded: value >> 8))
        output.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func encode(_ term: Term) {
        switch term {
        case .atom(let name):
            encodeAtom(name)
        case .integer(let value):
            encodeInteger(value)
        case .bigInteger(let value):
            encodeBig(value)
        case .float(let value):
            output.append(Tag.newFloat)
            let bits = value.bitPattern
            for shift in stride(from: 56, through: 0, by: -8) { output.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        case .list(let elements):
            encodeList(elements, tail: nil)
        case .string(let text):
            let scalars = text.unicodeScalars
            if scalars.count <= 65535, scalars.allSatisfy({ $0.value <= 255 }) {
                output.append(Tag.string)
                put16(scalars.count)
                for scalar in scalars { output.append(UInt8(scalar.value)) }
            } else {
                output.append(Tag.list)
                put32(UInt32(scalars.count))
                for scalar in scalars { encodeInteger(Int(scalar.value)) }
                output.append(Tag.nil)
            }
        case .improperList(let elements, let tail):
            encodeList(elements, tail: tail)
        case .binary(let bytes):
            output.append(Tag.binary)
            put32(UInt32(bytes.count))
            output += bytes
        case .bitstring(let bytes, let trailingBits):
            output.append(Tag.bitBinary)
            put32(UInt32(bytes.count))
            output.append(UInt8(trailingBits))
            output += bytes
        case .tuple(let elements):
            if elements.count <= 255 {
                output.append(Tag.smallTuple)
                output.append(UInt8(elements.count))
            } else {
                output.append(Tag.largeTuple)
                put32(UInt32(elements.count))
            }
            for element in elements { encode(element) }
        case .map(let entries):
            output.append(Tag.map)
            put32(UInt32(entries.count))
            for entry in entries {
                encode(entry.key)
                encode(entry.value)
            }
        case .pid(let pid):
            output.append(Tag.newPid)
            encodeAtom(pid.node)
            put32(pid.id)
            put32(pid.serial)
            put32(pid.creation)
        case .port(let port):
            if port.id <= UInt64(UInt32.max) && !options.alwaysV4Ports {
                output.append(Tag.newPort)
                encodeAtom(port.node)
                put32(UInt32(port.id))
            } else {
                output.append(Tag.v4Port)
                encodeAtom(port.node)
                put32(UInt32(truncatingIfNeeded: port.id >> 32))
                put32(UInt32(truncatingIfNeeded: port.id))
            }
            put32(port.creation)
        case .reference(let reference):
            output.append(Tag.newerReference)
            put16(reference.ids.count)
            encodeAtom(reference.node)
            put32(reference.creation)
            for id in reference.ids { put32(id) }
        case .fun(let fun):
            output.append(Tag.newFun)
            let sizeOffset = output.count
            put32(0)
            output.append(fun.arity)
            output += fun.uniq
            put32(fun.index)
            put32(UInt32(fun.freeVariables.count))
            encodeAtom(fun.module)
            encode(fun.oldIndex)
            encode(fun.oldUniq)
            encode(fun.pid)
            for variable in fun.freeVariables { encode(variable) }
            // Size counts from the size field itself to the end of the fun.
            let size = UInt32(output.count - sizeOffset)
            for index in 0..<4 { output[sizeOffset + index] = UInt8(truncatingIfNeeded: size >> UInt32(24 - 8 * index)) }
        case .export(let module, let function, let arity):
            output.append(Tag.export)
            encodeAtom(module)
            encodeAtom(function)
            encodeInteger(arity)
        }
    }

    mutating func encodeAtom(_ name: String) {
        let scalars = name.unicodeScalars
        if options.atomEncoding == .latin1WhereFits, scalars.allSatisfy({ $0.value <= 255 }) {
            output.append(Tag.atom)
            put16(scalars.count)
            for scalar in scalars { output.append(UInt8(scalar.value)) }
            return
        }
        let utf8 = name.utf8
        if utf8.count < 256 {
            output.append(Tag.smallAtomUTF8)
            output.append(UInt8(utf8.count))
        } else {
            output.append(Tag.atomUTF8)
            put16(utf8.count)
        }
        output += utf8
    }

    mutating func encodeInteger(_ value: Int) {
        if (0...255).contains(value) {
            output.append(Tag.smallInteger)
            output.append(UInt8(value))
        } else if let small = Int32(exactly: value) {
            output.append(Tag.integer)
            put32(UInt32(bitPattern: small))
        } else {
            encodeBig(BigInteger(value))
        }
    }

    mutating func encodeBig(_ value: BigInteger) {
        let bytes = value.littleEndianMagnitude
        if bytes.count <= 255 {
            output.append(Tag.smallBig)
            output.append(UInt8(bytes.count))
        } else {
            output.append(Tag.largeBig)
            put32(UInt32(bytes.count))
        }
        output.append(value.isNegative ? 1 : 0)
        output += bytes
    }

    /// `STRING_EXT` for proper lists of at most 65535 integers in 0...255, as erts' `is_external_string` decides.
    mutating func encodeList(_ elements: [Term], tail: Term?) {
        if elements.isEmpty {
            if let tail { encode(tail) } else { output.append(Tag.nil) }
            return
        }
        if tail == nil, elements.count <= 65535, elements.allSatisfy({ if case .integer(let v) = $0 { return (0...255).contains(v) } else { return false } }) {
            output.append(Tag.string)
            put16(elements.count)
            for case .integer(let value) in elements { output.append(UInt8(value)) }
            return
        }
        output.append(Tag.list)
        put32(UInt32(elements.count))
        for element in elements { encode(element) }
        if let tail { encode(tail) } else { output.append(Tag.nil) }
    }
}
