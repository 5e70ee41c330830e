// swift-tools-version:6.1
import PackageDescription

// Layering (each arrow points one way; only the first two layers see C):
//   CMPI, CBLAS, CZlib, CPNG, CHDF5 (system libraries + shims)
//     -> MPI, Tensors, Gzip, SystemIO, PNG, HDF5 (safe wrappers), Randomness
//     -> VAE (model, loss, optimizer), Dataset (IDX, .npy, PNG folders, sampler),
//        SingleCell (AnnData .h5ad and 10x .h5 count matrices, through HDF5),
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
        // hdf5-serial, not hdf5: Debian's hdf5.pc is an alternatives link that an MPI build of HDF5 would take over.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),

        .target(name: "Tensors", dependencies: ["CBLAS", "SystemIO"]),
        .target(name: "MPI", dependencies: ["CMPI", "Tensors"]),
        .target(name: "Gzip", dependencies: ["CZlib"]),
        .target(name: "SystemIO"),
        .target(name: "PNG", dependencies: ["CPNG"]),
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        .target(name: "Randomness", dependencies: [.product(name: "RealModule", package: "swift-numerics")]),

        .target(name: "VAE", dependencies: [
            "Tensors", "Randomness", .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .target(name: "Dataset", dependencies: ["Gzip", "SystemIO", "Randomness", "Tensors", "PNG"]),
        .target(name: "SingleCell", dependencies: ["HDF5", "Dataset", "SystemIO"]),
        .target(name: "TensorBoard", dependencies: ["SystemIO", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["Proto", "README.md"]),
        .target(name: "Training", dependencies: [
            "MPI", "Tensors", "VAE", "Dataset", "Gzip", "SystemIO", "PNG", "TensorBoard", "SingleCell",
            .product(name: "Logging", package: "swift-log"), .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .executableTarget(name: "vae-dist", dependencies: [
            "Training", "MPI", "VAE", "Dataset", "Tensors", "SystemIO",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .target(name: "TestSupport", dependencies: ["Gzip", "Randomness"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "VAETests", dependencies: ["VAE", "Tensors"], exclude: ["Reference"]),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset", "Gzip", "Randomness", "Tensors", "SystemIO", "PNG", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "VAE", "Tensors", "Dataset", "Gzip", "Randomness", "TestSupport",
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
        .testTarget(name: "SingleCellTests", dependencies: ["SingleCell", "HDF5", "Dataset", "Tensors", "SystemIO", "Randomness", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Training", "Dataset", "Tensors", "TestSupport"]),
    ]
)
