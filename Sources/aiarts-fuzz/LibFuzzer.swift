#if LIBFUZZER
import Foundation

// Coverage-guided mode (docs/fuzzing.md): built with -sanitize=fuzzer -DLIBFUZZER, linked with
// lld allowing the duplicate main (libFuzzer's and ours). Whichever main the linker keeps, the
// run goes to libFuzzer: ours hands its arguments to LLVMFuzzerRunDriver when
// AIARTS_FUZZ_TARGET names the target. Crashes are libFuzzer's to keep (crash-<sha1>).
enum LibFuzzerEntry {
    static let target: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["AIARTS_FUZZ_TARGET"] ?? ""
        guard let target = Targets.all.first(where: { $0.name == name }) else {
            FileHandle.standardError.write(Data("aiarts-fuzz: set AIARTS_FUZZ_TARGET to one of \(Targets.all.map(\.name))\n".utf8))
            exit(64)
        }
        return target
    }()
    static let scratch = Scratch()
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// Runs libFuzzer with this process's arguments when AIARTS_FUZZ_TARGET is set.
func runLibFuzzerIfAsked() {
    guard ProcessInfo.processInfo.environment["AIARTS_FUZZ_TARGET"] != nil else { return }
    _ = LibFuzzerEntry.target
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in libFuzzerTestOneInput(data, size) })
}

@_cdecl("LLVMFuzzerTestOneInput")
public func libFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    LibFuzzerEntry.target.run(Array(UnsafeBufferPointer(start: data, count: size)), LibFuzzerEntry.scratch)
    return 0
}
#endif
