import FuzzSupport
import NodeControl

/// An upgrade archive as the agent checks it before sending: accepted or refused, with bounded memory.
runFuzzer { bytes in
    _ = try? UpgradeArchiveCheck(bytes: bytes, name: "fuzz_2.tar.gz", path: "fuzz_2.tar.gz",
                                 limits: UpgradeArchiveCheck.Limits(maximumUnpackedSize: 64 << 20, maximumRatio: 50))
}
