import FuzzSupport
import Beam

/// A BEAM file: chunks, atoms, exports, imports, attributes, md5 and debug info, or a BeamError.
runFuzzer { bytes in
    guard let file = try? BeamFile(bytes: bytes, path: "fuzz.beam") else { return }
    _ = try? BeamModule(file: file)
    _ = try? file.md5()
    _ = file.debugInfo()
}
