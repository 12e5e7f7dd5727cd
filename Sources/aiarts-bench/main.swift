// Benchmark helper for bench/run.py:
//   aiarts-bench make-jpeg WIDTH HEIGHT OUT [SEED]   a noisy photo-like JPEG (quality 90)
//   aiarts-bench decode FILE WxH RUNS                 decode to a preview fitting WxH; prints ms per run
import AIArtsImaging
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("aiarts-bench: \(message)\n".utf8))
    exit(2)
}

let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "make-jpeg":
    guard args.count >= 4, let width = Int(args[1]), let height = Int(args[2]) else { fail("make-jpeg WIDTH HEIGHT OUT [SEED]") }
    var rng = SeededRandom(seed: args.count > 4 ? UInt64(args[4]) ?? 1 : 1)
    var canvas = Canvas(width: width, height: height, background: RGBColor(90, 120, 150))
    canvas.noise(&rng, amplitude: 40)
    for _ in 0..<20 {
        let r = Double(rng.int(in: max(2, width / 40)...max(3, width / 8)))
        canvas.fillCircle(cx: Double(rng.int(in: 0...width)), cy: Double(rng.int(in: 0...height)), radius: r,
                          RGBColor(UInt8(rng.int(in: 0...255)), UInt8(rng.int(in: 0...255)), UInt8(rng.int(in: 0...255))))
    }
    do {
        try Data(ImageCodec.encodeJPEG(canvas.image, quality: 90)).write(to: URL(fileURLWithPath: args[3]))
    } catch { fail("\(error)") }
case "decode":
    guard args.count == 4, let runs = Int(args[3]) else { fail("decode FILE WxH RUNS") }
    let dims = args[2].split(separator: "x").compactMap { Int($0) }
    guard dims.count == 2, let data = FileManager.default.contents(atPath: args[1]) else { fail("bad size or unreadable file") }
    let bytes = [UInt8](data)
    var size = ImageSize(width: 0, height: 0)
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            size = try ImageCodec.decode(bytes, fitting: ImageSize(width: dims[0], height: dims[1])).image.size
        } catch { fail("\(error)") }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        print(String(format: "%.3f", ms))
    }
    FileHandle.standardError.write(Data("preview \(size.width)x\(size.height)\n".utf8))
default:
    fail("usage: aiarts-bench make-jpeg WIDTH HEIGHT OUT [SEED] | decode FILE WxH RUNS")
}
