// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "aiarts",
    products: [
        .executable(name: "aiarts", targets: ["aiarts"]),
        .library(name: "AIArtsEngine", targets: ["AIArtsEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries (Debian: libjpeg-dev, libpng-dev, libwebp-dev, zlib1g-dev, libncursesw5-dev).
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CWebP", path: "Sources/CWebP"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        // libjpeg and libpng report errors by longjmp; that belongs in C (libwebp sits beside them).
        .target(name: "CCodecs", dependencies: ["CJPEG", "CPNG", "CWebP"]),
        // fork/posix_spawn with glibc extensions and pidfd_open: calls Swift cannot make.
        .target(name: "CProcess"),
        // NVML types only (header, no link): the GPU module dlopens libnvidia-ml at run time.
        .systemLibrary(name: "CNVML", path: "Sources/CNVML"),

        .target(name: "AIArtsImaging", dependencies: ["CCodecs", "CJPEG", "CPNG", "CWebP"]),
        .target(
            name: "AIArtsEngine",
            dependencies: [
                "AIArtsImaging", "CZlib", "CProcess", "CNVML",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            // The torch trainers' script, compiled in, so that a binary copied anywhere can still
            // write it into a task folder (trainers/torch/aiarts_torch.py links to it).
            resources: [.embedInCode("Tasks/Torch/aiarts_torch.py")]
        ),
        .target(name: "AIArtsRender"),
        .target(name: "AIArtsTUI", dependencies: ["AIArtsRender", "AIArtsEngine", "AIArtsImaging", "CNcursesw", "CZlib"]),
        .executableTarget(
            name: "aiarts",
            dependencies: [
                "AIArtsEngine", "AIArtsTUI", "AIArtsRender",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Benchmark runner for bench/run.py (decode timings, fixture images); not installed.
        .executableTarget(name: "aiarts-bench", dependencies: ["AIArtsEngine", "AIArtsImaging", "AIArtsRender", "AIArtsTUI"]),

        // Mutation fuzzer for the parsers of untrusted input (scripts/fuzz.sh, docs/fuzzing.md); not installed.
        .executableTarget(name: "aiarts-fuzz", dependencies: ["AIArtsEngine", "AIArtsImaging", "AIArtsRender"]),

        // The built-in trainer (pure Swift, CPU): model, data loading and training loop, and its command.
        .target(name: "AIArtsTrain", dependencies: ["AIArtsEngine", "AIArtsImaging"]),
        .executableTarget(
            name: "aiarts-train",
            dependencies: ["AIArtsTrain", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        .testTarget(name: "AIArtsImagingTests", dependencies: ["AIArtsImaging"]),
        .testTarget(name: "AIArtsEngineTests", dependencies: ["AIArtsEngine", "AIArtsImaging"], exclude: ["GPU/Fixtures"]),
        .testTarget(name: "AIArtsRenderTests", dependencies: ["AIArtsRender"]),
        .testTarget(name: "AIArtsTUITests", dependencies: ["AIArtsTUI", "AIArtsRender", "AIArtsEngine", "AIArtsImaging", "CZlib"]),
        .testTarget(name: "AIArtsTrainTests", dependencies: ["AIArtsTrain", "AIArtsEngine", "AIArtsImaging"]),
    ]
)
