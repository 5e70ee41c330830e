// swift-tools-version:6.2
import PackageDescription

// Layering: a target imports only targets on lower layers, and declares
// every module it imports (Tests/PackageTests/LayeringTests.swift reads this
// comment and the targets below, and checks both against the imports in
// Sources/ and Tests/). C is seen only through the wrappers that import it:
// Gzip, PNG, Tensors and MPI.
//   1 CMPI, CBLAS, CZlib, CPNG: system libraries and shims
//   2 SystemIO, Gzip, PNG, Randomness: files, processes, signals; zlib; libpng; counter-based random numbers
//   3 Tensors: float buffers, matrices and kernels over BLAS
//   4 MPI, VAE, Dataset, TensorBoard, Watchdog: collectives; model, loss, Adam; IDX, .npy, PNG folders, sampler; event files (their protobuf code is generated once and committed, see Sources/TensorBoard/Proto); the stall watchdog
//   5 Checkpoints, Synchronizers: the safetensors checkpoint format; the four gradient-synchronization strategies
//   6 TrainingCore: TrainingError and the agreement of every rank on an outcome
//   7 RunDirectory, TrainingInput: the output directory (checkpoints, latest.json, lock, metrics.jsonl); the rows a run or command reads
//   8 Evaluation: held-out loss, importance-weighted bound, pictures, latent codes
//   9 Training: the data-parallel loop
//   10 vae-dist: the command line
let package = Package(
    name: "vae-dist",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vae-dist", targets: ["vae-dist"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-numerics", exact: "1.1.1"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),

        .target(name: "SystemIO"),
        .target(name: "Gzip", dependencies: ["CZlib"]),
        .target(name: "PNG", dependencies: ["CPNG"]),
        .target(name: "Randomness", dependencies: [.product(name: "RealModule", package: "swift-numerics")]),

        .target(name: "Tensors", dependencies: ["CBLAS", "SystemIO"]),

        .target(name: "MPI", dependencies: ["CMPI", "Tensors"]),
        .target(name: "VAE", dependencies: [
            "Tensors", "Randomness", .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .target(name: "Dataset", dependencies: ["Gzip", "SystemIO", "Randomness", "Tensors", "PNG"]),
        .target(name: "TensorBoard", dependencies: ["SystemIO", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["Proto", "README.md"]),
        .target(name: "Watchdog", dependencies: ["SystemIO"]),

        .target(name: "Checkpoints", dependencies: [
            "Tensors", "VAE", "Dataset", "Gzip", "SystemIO", .product(name: "RealModule", package: "swift-numerics"),
        ]),
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
            "Evaluation", "TrainingInput", "RunDirectory", "TrainingCore", "Checkpoints", "Synchronizers", "Watchdog",
            "MPI", "Tensors", "VAE", "Dataset", "SystemIO", "TensorBoard", "Randomness",
            .product(name: "Logging", package: "swift-log"),
        ]),

        .executableTarget(name: "vae-dist", dependencies: [
            "Training", "Evaluation", "TrainingInput", "RunDirectory", "TrainingCore", "Checkpoints", "Synchronizers",
            "MPI", "VAE", "Dataset", "Tensors", "SystemIO",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .target(name: "TestSupport", dependencies: ["Gzip", "Randomness"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "VAETests", dependencies: [
            "VAE", "Tensors", "Randomness", .product(name: "RealModule", package: "swift-numerics"),
        ], exclude: ["Reference"]),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset", "Randomness", "Tensors", "SystemIO", "PNG", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: [
            "Training", "Evaluation", "RunDirectory", "Checkpoints", "Synchronizers", "Watchdog",
            "VAE", "Tensors", "Dataset", "Gzip", "Randomness", "TestSupport",
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Fixtures")]),
        .testTarget(name: "TensorBoardTests", dependencies: ["TensorBoard", "PNG", "SystemIO", "TestSupport",
                                                            .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // The flags' validation, tested in-process on the executable target's own command structs.
        .testTarget(name: "CommandLineTests", dependencies: [
            "vae-dist", "SystemIO",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "Training", "Evaluation", "TrainingInput", "RunDirectory", "Checkpoints", "Dataset", "SystemIO", "Tensors", "TestSupport",
        ]),
        // Reads this file and every import in Sources/ and Tests/: see the layering above.
        .testTarget(name: "PackageTests"),
    ]
)
