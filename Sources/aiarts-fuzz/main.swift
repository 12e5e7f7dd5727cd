#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// aiarts-fuzz: a deterministic mutation fuzzer for aiarts's parsers of untrusted input.
///
///     aiarts-fuzz --list
///     aiarts-fuzz TARGET --corpus DIR [--seconds S] [--runs N] [--seed N] [--out DIR] [--timeout S]
///     aiarts-fuzz TARGET --replay FILE...
///
/// Each run picks a seed file from the corpus, mutates it and calls the target in-process. A
/// crash leaves `crash-TARGET-HASH` (the input) in --out and kills the process with its signal;
/// an input running past --timeout leaves `hang-TARGET-HASH` and exits 3. `scripts/fuzz.sh`
/// restarts the harness after a crash until the time is up. --replay runs saved inputs without
/// the handlers, so a crash shows Swift's own message and backtrace.
struct Options {
    var target = ""
    var corpus: String?
    var seconds = 10.0
    var runs = Int.max
    var seed: UInt64 = 1
    var out = "."
    var timeout = 5.0
    var replay: [String] = []
}

func usage(_ message: String) -> Never {
    FileHandle.standardError.write(Data("aiarts-fuzz: \(message)\nusage: aiarts-fuzz --list | TARGET --corpus DIR [--seconds S] [--runs N] [--seed N] [--out DIR] [--timeout S] | TARGET --replay FILE...\n".utf8))
    exit(64)
}

func parse(_ args: [String]) -> Options {
    var o = Options()
    var i = 0
    func value() -> String {
        i += 1
        guard i < args.count else { usage("\(args[i - 1]) needs a value") }
        return args[i]
    }
    while i < args.count {
        switch args[i] {
        case "--corpus": o.corpus = value()
        case "--seconds": guard let v = Double(value()) else { usage("--seconds takes a number") }; o.seconds = v
        case "--runs": guard let v = Int(value()) else { usage("--runs takes a whole number") }; o.runs = v
        case "--seed": guard let v = UInt64(value()) else { usage("--seed takes a whole number") }; o.seed = v
        case "--out": o.out = value()
        case "--timeout": guard let v = Double(value()) else { usage("--timeout takes a number") }; o.timeout = v
        case "--replay":
            while i + 1 < args.count, !args[i + 1].hasPrefix("--") { o.replay.append(value()) }
        default:
            guard o.target.isEmpty, !args[i].hasPrefix("-") else { usage("unknown argument \(args[i])") }
            o.target = args[i]
        }
        i += 1
    }
    return o
}

#if LIBFUZZER
runLibFuzzerIfAsked()
#endif
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments == ["--list"] {
    print(Targets.all.map(\.name).joined(separator: "\n"))
    exit(0)
}
if arguments.first == "--make-image-seeds", arguments.count == 2 {
    ImageSeeds.write(to: arguments[1])
    exit(0)
}
if arguments.first == "--make-webp-seeds", arguments.count == 2 {
    ImageSeeds.writeWebP(to: arguments[1])
    exit(0)
}
let options = parse(arguments)
guard let target = (Targets.all + [Targets.selftest]).first(where: { $0.name == options.target }) else {
    usage(options.target.isEmpty ? "name a target (--list shows them)" : "no target \(options.target) (--list shows them)")
}
let scratch = Scratch()

if !options.replay.isEmpty {
    for file in options.replay {
        guard let data = FileManager.default.contents(atPath: file) else { usage("cannot read \(file)") }
        print("replaying \(file) (\(data.count) bytes)")
        target.run([UInt8](data), scratch)
    }
    print("no crash")
    exit(0)
}

guard let corpusPath = options.corpus else { usage("--corpus DIR is needed") }
let names = ((try? FileManager.default.contentsOfDirectory(atPath: corpusPath)) ?? []).sorted()
var seeds = names.compactMap { FileManager.default.contents(atPath: corpusPath + "/" + $0).map { [UInt8]($0) } }
if seeds.isEmpty { seeds = [[]] }

try? FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
Capture.install(directory: options.out, target: target.name, timeout: options.timeout)

var mutator = Mutator(rng: FuzzRNG(seed: options.seed))
let deadline = Capture.now() + Int(options.seconds * 1e9)
var runs = 0
var lastReport = Capture.now()
// The seeds themselves first: a valid file must never crash.
for seed in seeds where runs < options.runs {
    Capture.run(seed) { target.run($0, scratch) }
    runs += 1
}
while runs < options.runs, Capture.now() < deadline {
    let base = seeds[mutator.rng.below(seeds.count)]
    let input = mutator.mutate(base, other: seeds[mutator.rng.below(seeds.count)])
    Capture.run(input) { target.run($0, scratch) }
    runs += 1
    if Capture.now() - lastReport > 1_000_000_000 {
        // fuzz.sh keeps the last count of a run that crashes.
        FileHandle.standardOutput.write(Data("runs \(runs)\n".utf8))
        lastReport = Capture.now()
    }
}
FileHandle.standardOutput.write(Data("runs \(runs)\n".utf8))
print("done \(target.name): \(runs) inputs, no crash")
