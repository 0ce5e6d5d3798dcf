// swift-tools-version:6.0
import PackageDescription

/// Code generation for the numerical targets. Swift emits SSE2 only unless told the CPU; without
/// `-target-cpu` a SIMD `addingProduct` becomes a libm `fmaf` call (README.md, 'Build flags'). The flag is
/// scoped to release builds on x86-64. `LIPFLOW_TARGET_CPU` overrides it (`native`, `znver1`, ...),
/// and `LIPFLOW_TARGET_CPU=none` turns it off for CPUs without AVX2 and FMA.
let targetCPU: String? = {
  #if arch(x86_64)
  let requested = Context.environment["LIPFLOW_TARGET_CPU"] ?? "haswell"
  return requested == "none" ? nil : requested
  #else
  return Context.environment["LIPFLOW_TARGET_CPU"].flatMap { $0 == "none" ? nil : $0 }
  #endif
}()

let numericSettings: [SwiftSetting] =
  targetCPU.map { [.unsafeFlags(["-target-cpu", $0], .when(configuration: .release))] } ?? []

/// Linux only: the code calls Glibc (`write`, `flock`, signals), reads `/proc/self/exe` and
/// `/proc/self/status`, and links Debian's OpenBLAS; no Apple platform is claimed or tested.
let package = Package(
  name: "LipFlow",
  products: [
    .library(name: "FlowCore", targets: ["FlowCore"]),
    .library(name: "Flows", targets: ["Flows"]),
    .library(name: "Harness", targets: ["Harness"]),
    .library(name: "LipFlowCLI", targets: ["LipFlowCLI"]),
    .executable(name: "lipflow", targets: ["lipflow"]),
    .executable(name: "lipflow-bench", targets: ["LipFlowBench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
  ],
  targets: [
    .systemLibrary(
      name: "COpenBLAS",
      path: "Sources/COpenBLAS",
      providers: [.apt(["libopenblas-dev"])]
    ),
    .systemLibrary(
      name: "CZlib",
      path: "Sources/CZlib",
      providers: [.apt(["zlib1g-dev"])]
    ),
    // Header only: two-input vector shuffles that Swift's SIMD types cannot spell.
    .systemLibrary(
      name: "CVectorShuffles",
      path: "Sources/CVectorShuffles"
    ),
    .target(
      name: "FlowCore",
      dependencies: ["COpenBLAS", "CVectorShuffles"],
      swiftSettings: numericSettings
    ),
    .target(
      name: "Flows",
      dependencies: ["FlowCore"],
      swiftSettings: numericSettings
    ),
    .target(
      name: "Harness",
      dependencies: ["FlowCore", "Flows", "CZlib", .product(name: "Yams", package: "Yams")],
      swiftSettings: numericSettings
    ),
    .plugin(
      name: "BuildInfoPlugin",
      capability: .buildTool(),
      path: "Plugins/BuildInfoPlugin"
    ),
    .target(
      name: "LipFlowCLI",
      dependencies: [
        "FlowCore",
        "Flows",
        "Harness",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      plugins: ["BuildInfoPlugin"]
    ),
    .executableTarget(
      name: "lipflow",
      dependencies: ["LipFlowCLI"]
    ),
    .executableTarget(
      name: "LipFlowBench",
      dependencies: ["FlowCore", "Flows", "Harness", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      path: "Sources/LipFlowBench",
      swiftSettings: numericSettings
    ),
    .target(
      name: "LipFlowTestSupport",
      path: "Tests/TestSupport"
    ),
    .testTarget(
      name: "FlowCoreTests",
      dependencies: ["FlowCore"],
      swiftSettings: numericSettings
    ),
    .testTarget(
      name: "HarnessTests",
      dependencies: ["FlowCore", "Flows", "Harness", "LipFlowTestSupport"],
      exclude: ["Expected", "Fixtures"],
      swiftSettings: numericSettings
    ),
    .testTarget(
      name: "CLITests",
      // `lipflow` is listed so that `swift test` builds the executable the tests run as workers.
      dependencies: ["LipFlowCLI", "Harness", "LipFlowTestSupport", "lipflow"]
    ),
    .testTarget(
      name: "FlowsTests",
      dependencies: ["FlowCore", "Flows"],
      swiftSettings: numericSettings
    ),
  ],
  swiftLanguageModes: [.v6]
)
