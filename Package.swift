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
        // aiarts serve (docs/api.md): HTTP on swift-nio, TLS by swift-nio-ssl, multipart parsed as it streams.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Token digests and password hashes (PBKDF2) for the workspace's users (Users/).
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
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
        // Where terminal escape sequences are in text: one reading for AIArtsRender's Sanitize and the engine's log parsers.
        .target(name: "AIArtsText"),
        .target(
            name: "AIArtsEngine",
            dependencies: [
                "AIArtsImaging", "AIArtsText", "CZlib", "CProcess", "CNVML",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            // The torch trainers' script and the other Python scripts aiarts runs, compiled in, so that a
            // binary copied anywhere can still write them into a task folder (trainers/torch/aiarts_torch.py
            // links to the first; Python/README.md lists the rest).
            resources: [.embedInCode("Tasks/Torch/aiarts_torch.py"), .embedInCode("Python")]
        ),
        .target(name: "AIArtsRender", dependencies: ["AIArtsText"]),
        .target(
            name: "AIArtsTUI",
            dependencies: ["AIArtsRender", "AIArtsEngine", "AIArtsImaging", "CNcursesw"],
            // The shipped themes/ and keymaps/, compiled in (Config/Builtin/ links to them; Config/BuiltinFiles.swift).
            resources: [.embedInCode("Config/Builtin")]
        ),
        // aiarts serve: the platforms' HTTP dialects over the engine (docs/api.md).
        .target(
            name: "AIArtsServer",
            dependencies: [
                // AIArtsTrain: inference services run the built-in trainer's models natively (Inference/).
                "AIArtsEngine", "AIArtsTrain",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "aiarts",
            dependencies: [
                "AIArtsEngine", "AIArtsTUI", "AIArtsRender", "AIArtsServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Benchmark runner for bench/run.py (decode timings, fixture images); not installed.
        .executableTarget(name: "aiarts-bench", dependencies: ["AIArtsEngine", "AIArtsImaging", "AIArtsRender", "AIArtsTUI"]),

        // Mutation fuzzer for the parsers of untrusted input (scripts/fuzz.sh, docs/fuzzing.md); not installed.
        .executableTarget(
            name: "aiarts-fuzz",
            dependencies: [
                "AIArtsEngine", "AIArtsImaging", "AIArtsRender", "AIArtsText", "AIArtsServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),

        // The built-in trainer (pure Swift, CPU): model, data loading and training loop, and its command.
        .target(name: "AIArtsTrain", dependencies: ["AIArtsEngine", "AIArtsImaging"]),
        .executableTarget(
            name: "aiarts-train",
            dependencies: ["AIArtsTrain", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Stands for a short-lived aiarts that launches a job and is killed (RunnerTests.Survival); not installed.
        .executableTarget(name: "aiarts-test-launcher", dependencies: ["AIArtsEngine"]),
        // What the test targets share: waiting on a condition with a deadline.
        .target(name: "TestSupport", path: "Tests/TestSupport"),

        .testTarget(name: "AIArtsImagingTests", dependencies: ["AIArtsImaging"]),
        .testTarget(name: "AIArtsEngineTests", dependencies: ["AIArtsEngine", "AIArtsImaging", "TestSupport"], exclude: ["GPU/Fixtures"]),
        .testTarget(name: "AIArtsRenderTests", dependencies: ["AIArtsRender", "AIArtsText"]),
        .testTarget(name: "AIArtsTUITests", dependencies: ["AIArtsTUI", "AIArtsRender", "AIArtsEngine", "AIArtsImaging", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "AIArtsServerTests",
            dependencies: [
                "AIArtsServer", "AIArtsEngine", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(name: "AIArtsTrainTests", dependencies: ["AIArtsTrain", "AIArtsEngine", "AIArtsImaging"]),
    ]
)
