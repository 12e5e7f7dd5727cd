// Benchmark helper for bench/run.py:
//   aiarts-bench make-jpeg WIDTH HEIGHT OUT [SEED]   a noisy photo-like JPEG (quality 90)
//   aiarts-bench make-webp WIDTH HEIGHT OUT [SEED]   the same picture as lossy WebP (quality 90)
//   aiarts-bench decode FILE WxH|full RUNS            decode to a preview fitting WxH (or full size); prints ms per run
//   aiarts-bench chart-data N OUT                     N float64 loss-like values (x = index) with spikes
//   aiarts-bench chart FILE WxH RUNS [SMOOTH]         draw FILE's values in a braille LineChart; ms per frame
//   aiarts-bench image WxH CELLSxROWS RUNS            a synthetic WxH RGB buffer through ImageView; ms per frame
//   aiarts-bench preview FILE CELLSxROWS RUNS         decode shrunk + half blocks (the dataset screen); ms per run
//   aiarts-bench preview-kitty FILE CELLSxROWS RUNS   decode at 8×16 pixels a cell + kitty's protocol bytes; ms per run
//   aiarts-bench voc-parse DIR RUNS                   parse a VOC folder (XML and boxes, no image decoding); ms per run
import AIArtsEngine
import AIArtsImaging
import AIArtsRender
import AIArtsTUI
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("aiarts-bench: \(message)\n".utf8))
    exit(2)
}

let args = Array(CommandLine.arguments.dropFirst())

/// preview and preview-kitty: FILE CELLSxROWS RUNS, as the file's bytes, the cell size and the runs.
func previewArguments(_ mode: String) -> (bytes: [UInt8], cells: [Int], runs: Int) {
    guard args.count == 4, let runs = Int(args[3]), let data = FileManager.default.contents(atPath: args[1]) else {
        fail("\(mode) FILE CELLSxROWS RUNS")
    }
    let cells = args[2].split(separator: "x").compactMap { Int($0) }
    guard cells.count == 2 else { fail("bad size") }
    return ([UInt8](data), cells, runs)
}
/// make-jpeg and make-webp: a noisy background with coloured discs, the same for the same seed.
func photoLike(_ mode: String) -> (image: RGBImage, out: URL) {
    guard args.count >= 4, let width = Int(args[1]), let height = Int(args[2]) else { fail("\(mode) WIDTH HEIGHT OUT [SEED]") }
    var rng = SeededRandom(seed: args.count > 4 ? UInt64(args[4]) ?? 1 : 1)
    var canvas = Canvas(width: width, height: height, background: RGBColor(90, 120, 150))
    canvas.noise(&rng, amplitude: 40)
    for _ in 0..<20 {
        let r = Double(rng.int(in: max(2, width / 40)...max(3, width / 8)))
        canvas.fillCircle(cx: Double(rng.int(in: 0...width)), cy: Double(rng.int(in: 0...height)), radius: r,
                          RGBColor(UInt8(rng.int(in: 0...255)), UInt8(rng.int(in: 0...255)), UInt8(rng.int(in: 0...255))))
    }
    return (canvas.image, URL(fileURLWithPath: args[3]))
}
switch args.first {
case "make-jpeg":
    let (image, out) = photoLike("make-jpeg")
    do {
        try Data(ImageCodec.encodeJPEG(image, quality: 90)).write(to: out)
    } catch { fail("\(error)") }
case "make-webp":
    let (image, out) = photoLike("make-webp")
    do {
        try Data(ImageCodec.encodeWebP(image, quality: 90)).write(to: out)
    } catch { fail("\(error)") }
case "decode":
    guard args.count == 4, let runs = Int(args[3]) else { fail("decode FILE WxH|full RUNS") }
    let dims = args[2].split(separator: "x").compactMap { Int($0) }
    guard dims.count == 2 || args[2] == "full", let data = FileManager.default.contents(atPath: args[1]) else { fail("bad size or unreadable file") }
    let bytes = [UInt8](data)
    let box = dims.count == 2 ? ImageSize(width: dims[0], height: dims[1]) : nil
    var size = ImageSize(width: 0, height: 0)
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            size = try ImageCodec.decode(bytes, fitting: box).image.size
        } catch { fail("\(error)") }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        print(String(format: "%.3f", ms))
    }
    FileHandle.standardError.write(Data("preview \(size.width)x\(size.height)\n".utf8))
case "chart-data":
    guard args.count == 3, let n = Int(args[1]), n > 0 else { fail("chart-data N OUT") }
    var rng = SeededRandom(seed: 7)
    var ys = [Double](repeating: 0, count: n)
    for i in 0..<n {
        let t = Double(i) / Double(n)
        ys[i] = 2 * exp(-4 * t) + 0.1 + Double(rng.int(in: 0...1000)) / 1000 * 0.3
        if i % (n / 7 + 1) == n / 13 { ys[i] += 5 }  // a few spikes
    }
    let data = ys.withUnsafeBufferPointer { Data(buffer: $0) }
    do { try data.write(to: URL(fileURLWithPath: args[2])) } catch { fail("\(error)") }
case "chart":
    guard args.count >= 4, let runs = Int(args[3]), let data = FileManager.default.contents(atPath: args[1]) else {
        fail("chart FILE WxH RUNS [SMOOTH]")
    }
    let dims = args[2].split(separator: "x").compactMap { Int($0) }
    guard dims.count == 2 else { fail("bad size") }
    let ys: [Double] = data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
    let xs = (0..<ys.count).map(Double.init)
    let smoothing = args.count > 4 ? Double(args[4]) ?? 0 : 0
    let chart = LineChart(series: [ChartSeries(name: "loss", xs: xs, ys: ys)], title: "loss", xLabel: "step", smoothing: smoothing)
    var buffer = Buffer(width: dims[0], height: dims[1])
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        buffer.render(chart, in: buffer.area)
        print(String(format: "%.4f", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6))
    }
    if ProcessInfo.processInfo.environment["AIARTS_BENCH_SHOW"] != nil {
        FileHandle.standardError.write(Data((buffer.lines().joined(separator: "\n") + "\n").utf8))
    }
case "image":
    guard args.count == 4, let runs = Int(args[3]) else { fail("image WxH CELLSxROWS RUNS") }
    let size = args[1].split(separator: "x").compactMap { Int($0) }, cells = args[2].split(separator: "x").compactMap { Int($0) }
    guard size.count == 2, cells.count == 2 else { fail("bad size") }
    var rng = SeededRandom(seed: 3)
    var rgb = [UInt8](repeating: 0, count: size[0] * size[1] * 3)
    for i in stride(from: 0, to: rgb.count, by: 3) {
        let p = i / 3, x = p % size[0], y = p / size[0]
        rgb[i] = UInt8(x * 255 / size[0]); rgb[i + 1] = UInt8(y * 255 / size[1]); rgb[i + 2] = UInt8(rng.int(in: 0...255))
    }
    guard let image = PixelImage(width: size[0], height: size[1], rgb: rgb) else { fail("bad image") }
    let view = ImageView(image: image, boxes: [ImageBox(x: 500, y: 400, width: 1200, height: 900, label: "cat")])
    var buffer = Buffer(width: cells[0], height: cells[1])
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        buffer.render(view, in: buffer.area)
        print(String(format: "%.4f", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6))
    }
case "preview":
    // What the dataset screen does for one image: decode shrunk to the pane's pixels, then draw half blocks.
    let (bytes, cells, runs) = previewArguments("preview")
    var buffer = Buffer(width: cells[0], height: cells[1])
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            let decoded = try ImageCodec.decode(bytes, fitting: ImageSize(width: cells[0], height: cells[1] * 2)).image
            guard let image = PixelImage(width: decoded.width, height: decoded.height, rgb: decoded.pixels) else { fail("not RGB") }
            buffer.render(ImageView(image: image), in: buffer.area)
        } catch { fail("\(error)") }
        print(String(format: "%.3f", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6))
    }
case "preview-kitty":
    // The same with terminal graphics: decode at the cells' pixel size and draw the frame (what the
    // background queue and the loop do), then the escape sequences (zlib + base64; the backend's own
    // queue). Prints both times in ms and the bytes sent; with OUT=1 in the environment, writes the
    // sequences to stdout instead.
    let (bytes, cells, runs) = previewArguments("preview-kitty")
    var buffer = Buffer(width: cells[0], height: cells[1])
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        var sequence: [UInt8] = []
        var drawn = start
        do {
            let decoded = try ImageCodec.decode(bytes, fitting: ImageSize(width: cells[0] * 8, height: cells[1] * 16)).image
            guard let image = PixelImage(width: decoded.width, height: decoded.height, rgb: decoded.pixels) else { fail("not RGB") }
            buffer.graphics = []
            buffer.render(ImageView(image: image, boxes: [ImageBox(x: 100, y: 100, width: 300, height: 200, label: "cat")], mode: .graphics),
                          in: buffer.area)
            drawn = DispatchTime.now().uptimeNanoseconds
            for placement in buffer.graphics { sequence += KittyGraphics.place(placement) }
        } catch { fail("\(error)") }
        let end = DispatchTime.now().uptimeNanoseconds
        if ProcessInfo.processInfo.environment["OUT"] == "1" {
            FileHandle.standardOutput.write(Data(sequence))
        } else {
            print(String(format: "%.3f %.3f %d", Double(drawn - start) / 1e6, Double(end - drawn) / 1e6, sequence.count))
        }
    }
case "voc-parse":
    // The parse half of `dataset import --format voc`: reading every XML into samples and boxes.
    guard args.count == 3, let runs = Int(args[2]) else { fail("voc-parse DIR RUNS") }
    var objects = 0
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            let parsed = try VOCParser().parse(root: URL(fileURLWithPath: args[1]), type: .detection)
            objects = parsed.samples.reduce(0) { $0 + $1.annotations.count }
        } catch { fail("\(error)") }
        print(String(format: "%.3f", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6))
    }
    FileHandle.standardError.write(Data("objects \(objects)\n".utf8))
default:
    fail("usage: aiarts-bench make-jpeg WIDTH HEIGHT OUT [SEED] | make-webp WIDTH HEIGHT OUT [SEED] | decode FILE WxH|full RUNS | chart-data N OUT | chart FILE WxH RUNS [SMOOTH] | image WxH CELLSxROWS RUNS | preview FILE CELLSxROWS RUNS | preview-kitty FILE CELLSxROWS RUNS | voc-parse DIR RUNS")
}
