// swift-tools-version:6.1
import PackageDescription

// Layering (each arrow points one way; only the first two layers see C):
//   CMPI, CBLAS, CZlib, CPNG (system libraries + shims)
//     -> MPI, Tensors, Gzip, SystemIO, PNG (safe wrappers), Randomness
//     -> VAE (model, loss, optimizer), Dataset (IDX, .npy, PNG folders, sampler),
//        TensorBoard (event files; its protobuf code is generated once and committed, see Sources/TensorBoard/Proto)
//     -> Training (data-parallel loop, metrics, checkpoints, images)
//     -> vae-dist (the command line)
let package = Package(
    name: "vae-dist",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vae-dist", targets: ["vae-dist"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),

        .target(name: "Tensors", dependencies: ["CBLAS", "SystemIO"]),
        .target(name: "MPI", dependencies: ["CMPI", "Tensors"]),
        .target(name: "Gzip", dependencies: ["CZlib"]),
        .target(name: "SystemIO"),
        .target(name: "PNG", dependencies: ["CPNG"]),
        .target(name: "Randomness", dependencies: [.product(name: "RealModule", package: "swift-numerics")]),

        .target(name: "VAE", dependencies: [
            "Tensors", "Randomness", .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .target(name: "Dataset", dependencies: ["Gzip", "SystemIO", "Randomness", "Tensors", "PNG"]),
        .target(name: "TensorBoard", dependencies: ["SystemIO", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["Proto", "README.md"]),
        .target(name: "Checkpoints", dependencies: [
            "Tensors", "VAE", "Dataset", "Gzip", "SystemIO", .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .target(name: "Watchdog", dependencies: ["SystemIO"]),
        .target(name: "Synchronizers", dependencies: ["MPI", "Tensors", "VAE", "Dataset"]),
        .target(name: "TrainingCore", dependencies: ["Checkpoints", "MPI", "Dataset", "SystemIO"]),
        .target(name: "RunDirectory", dependencies: [
            "TrainingCore", "Checkpoints", "VAE", "Gzip", "SystemIO", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "TrainingInput", dependencies: [
            "TrainingCore", "Checkpoints", "Dataset", "MPI", "Randomness", "SystemIO", "Tensors", "VAE",
        ]),
        .target(name: "Evaluation", dependencies: [
            "TrainingInput", "TrainingCore", "Checkpoints", "RunDirectory", "Watchdog",
            "Dataset", "MPI", "PNG", "Randomness", "SystemIO", "Tensors", "VAE",
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .target(name: "Training", dependencies: [
            "Checkpoints", "Watchdog", "Synchronizers", "TrainingCore", "RunDirectory", "TrainingInput", "Evaluation",
            "MPI", "Tensors", "VAE", "Dataset", "Gzip", "SystemIO", "PNG", "TensorBoard", "Randomness",
            .product(name: "Logging", package: "swift-log"), .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .executableTarget(name: "vae-dist", dependencies: [
            "Training", "TrainingCore", "TrainingInput", "Evaluation", "Checkpoints", "RunDirectory", "Synchronizers", "MPI", "VAE", "Dataset", "Tensors", "SystemIO",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .target(name: "TestSupport", dependencies: ["Gzip", "Randomness"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "VAETests", dependencies: ["VAE", "Tensors"], exclude: ["Reference"]),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset", "Gzip", "Randomness", "Tensors", "SystemIO", "PNG", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Checkpoints", "Watchdog", "Synchronizers", "RunDirectory", "Evaluation", "VAE", "Tensors", "Dataset", "Gzip", "Randomness", "TestSupport",
                                                         .product(name: "Logging", package: "swift-log")],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TensorBoardTests", dependencies: ["TensorBoard", "PNG", "SystemIO", "TestSupport",
                                                            .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // The flags' validation, tested in-process on the executable target's own command structs.
        .testTarget(name: "CommandLineTests", dependencies: [
            "vae-dist", "Training", "VAE", "SystemIO",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: ["Training", "Checkpoints", "RunDirectory", "TrainingInput", "Evaluation", "Dataset", "Tensors", "TestSupport"]),
    ]
)
