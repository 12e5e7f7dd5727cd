#if LIBFUZZER
import Foundation

// Coverage-guided mode (scripts/fuzz.sh --libfuzzer): built with -sanitize=fuzzer, libFuzzer's
// own main runs (the link allows the duplicate main and takes libFuzzer's), so the target comes
// from the environment. Crashes are libFuzzer's to keep: it writes crash-<sha1> itself.
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

@_cdecl("LLVMFuzzerTestOneInput")
public func libFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    LibFuzzerEntry.target.run(Array(UnsafeBufferPointer(start: data, count: size)), LibFuzzerEntry.scratch)
    return 0
}
#endif
