// swift-tools-version:6.0
import Foundation
import PackageDescription

// Layers (each uses only those above it in this list):
//   ErlangTerm -> Beam -> ReleaseModel -> Planning -> Output -> relswap, relswap-agent
let package = Package(
    name: "relswap",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "relswap", targets: ["relswap"]),
        .executable(name: "relswap-agent", targets: ["relswap-agent"]),
        .library(name: "ErlangTerm", targets: ["ErlangTerm"]),
        .library(name: "Beam", targets: ["Beam"]),
        .library(name: "ReleaseModel", targets: ["ReleaseModel"]),
        .library(name: "Planning", targets: ["Planning"]),
        .library(name: "Output", targets: ["Output"]),
        .library(name: "NodeControl", targets: ["NodeControl"]),
        .library(name: "Distribution", targets: ["Distribution"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // zlib from the system (Debian: zlib1g-dev), for gzip-compressed beams and compressed ETF (tag 80).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libarchive from the system (Debian: libarchive-dev), for upgrade archives.
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        // Intel's ISA-L from the system (Debian: libisal-dev), for igzip's fast deflate of upgrade archives.
        .systemLibrary(name: "CISAL", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        // glibc's malloc.h (mallopt), part of libc.
        .systemLibrary(name: "CMalloc"),
        // Internal helpers shared by the layers (zlib, whole-file reads); not a product.
        .target(name: "SystemSupport", dependencies: ["CZlib", "CISAL", "CMalloc"]),
        .target(name: "ErlangTerm", dependencies: ["SystemSupport"]),
        .target(name: "Beam", dependencies: [
            "ErlangTerm", "SystemSupport",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "ReleaseModel", dependencies: ["ErlangTerm", "Beam", "SystemSupport"]),
        .target(name: "Planning", dependencies: ["ErlangTerm", "Beam", "ReleaseModel", "SystemSupport"]),
        .target(name: "Output", dependencies: [
            "ErlangTerm", "ReleaseModel", "Planning", "SystemSupport", "CArchive",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // relswap rehearse: a sandbox copy of the releases, the upgrade applied with NodeControl, and checks.
        .target(name: "Rehearsal", dependencies: ["NodeControl", "Output", "Planning", "ReleaseModel", "Beam", "ErlangTerm", "SystemSupport"]),
        .executableTarget(name: "relswap", dependencies: [
            "ErlangTerm", "Beam", "ReleaseModel", "Planning", "Output", "SystemSupport", "Rehearsal", "NodeControl",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The distribution protocol's messages: needs only NIOCore, so it is tested without sockets.
        .target(name: "Distribution", dependencies: [
            "ErlangTerm",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Node control on top of the wire: the release_handler steps, archive checks, code verification and the
        // resumable upgrade; what relswap-agent and relswap rehearse share.
        .target(name: "NodeControl", dependencies: [
            "Distribution", "ErlangTerm", "Beam", "SystemSupport", "CArchive",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "relswap-agent", dependencies: [
            "NodeControl", "Distribution", "ErlangTerm", "Beam", "SystemSupport", "CArchive",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "TestSupport", dependencies: ["ErlangTerm"], path: "Tests/TestSupport"),
        .testTarget(name: "ErlangTermTests", dependencies: ["ErlangTerm", "SystemSupport", "TestSupport"]),
        .testTarget(name: "BeamTests", dependencies: ["Beam", "ErlangTerm", "TestSupport"]),
        .testTarget(name: "GenerateTests", dependencies: ["TestSupport", "ErlangTerm", "ReleaseModel", "Planning", "relswap"]),
        .testTarget(name: "GenerateAppupsTests", dependencies: ["TestSupport", "ErlangTerm", "Beam", "ReleaseModel", "Planning", "relswap"]),
        .testTarget(name: "RelupTests", dependencies: ["TestSupport", "ErlangTerm", "ReleaseModel", "Planning"]),
        .testTarget(name: "GenerateUpgradeTests", dependencies: ["TestSupport", "ErlangTerm"]),
        .testTarget(name: "AgentTests", dependencies: ["TestSupport", "ErlangTerm", "Distribution", "NodeControl",
                                                      .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "RehearseTests", dependencies: ["TestSupport", "ErlangTerm"]),
        .testTarget(name: "BuildToolTests", dependencies: ["TestSupport", "ErlangTerm"]),
        .testTarget(name: "RelswapCLITests", dependencies: ["TestSupport", "ErlangTerm", "relswap", "relswap-agent"]),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets for the parsers that read untrusted bytes, only when RELSWAP_FUZZ is set, built with the fuzzer
// and address sanitizer into their own build folder (docs/development.md, scripts/fuzz):
//   RELSWAP_FUZZ=1 swift build -c release --scratch-path .build-fuzz --product FuzzTermReader \
//       -Xswiftc -sanitize=fuzzer,address
if ProcessInfo.processInfo.environment["RELSWAP_FUZZ"] != nil {
    let fuzzTargets: [(String, [Target.Dependency])] = [
        ("FuzzTermReader", ["ErlangTerm"]),
        ("FuzzExternalTerm", ["ErlangTerm"]),
        ("FuzzBeam", ["Beam"]),
        ("FuzzDistributionFrame", ["Distribution", .product(name: "NIOCore", package: "swift-nio")]),
        ("FuzzArchiveCheck", ["NodeControl"]),
    ]
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/Sources/FuzzSupport"))
    for (name, dependencies) in fuzzTargets {
        package.targets.append(.executableTarget(name: name, dependencies: dependencies + ["FuzzSupport"], path: "Fuzz/Sources/\(name)"))
        package.products.append(.executable(name: name, targets: [name]))
    }
}
