import AIArtsImaging
import Foundation

/// The demo workspace: generated 'shapes' images (circles, squares and triangles on noisy
/// backgrounds) whose boxes are known exactly, imported through the real importers as a
/// classification dataset (ImageNet layout) and a detection dataset (Pascal VOC), each split,
/// with one project on each. Made offline; the same every time.
public enum ShapesDemo {
    public static let classes = ["circle", "square", "triangle"]
    public static let classificationName = "shapes (classification)"

    public struct Result: Sendable {
        public var classification: String
        public var detection: String
        public var projects: [String]
        public var summary: [String]
    }

    public static func create(in workspace: Workspace, classificationImages: Int = 300, detectionImages: Int = 200,
                              progress: (@Sendable (ImportProgress) -> Void)? = nil) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-demo-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var rng = SeededRandom(seed: 2026)

        let imagenet = scratch.appendingPathComponent("shapes-imagenet")
        for i in 0..<classificationImages {
            let shape = classes[i % classes.count]
            let scene = ShapeScene.single(shape: shape, size: 96, rng: &rng)
            try write(scene, to: imagenet.appendingPathComponent("\(shape)/\(shape)_\(String(format: "%04d", i)).jpg"))
        }
        let voc = scratch.appendingPathComponent("shapes-voc")
        for i in 0..<detectionImages {
            let scene = ShapeScene.several(width: 160, height: 120, count: 1 + i % 3, rng: &rng)
            let name = String(format: "shapes_%04d", i)
            try write(scene, to: voc.appendingPathComponent("JPEGImages/\(name).jpg"))
            try writeVOC(scene, name: name, to: voc.appendingPathComponent("Annotations/\(name).xml"))
        }

        let cls = try workspace.createDataset(name: classificationName, type: .classification,
                                              description: "Generated circles, squares and triangles, one per image.")
        try workspace.importDataset(cls.id, from: imagenet, format: .imagenet, progress: progress)
        try workspace.split(cls.id, val: 0.2, test: 0.1, seed: 1)
        let det = try workspace.createDataset(name: "shapes (detection)", type: .detection,
                                              description: "Generated shapes with exact boxes, one to three per image.")
        try workspace.importDataset(det.id, from: voc, format: .voc, progress: progress)
        try workspace.split(det.id, val: 0.2, test: 0.1, seed: 1)
        let p1 = try workspace.createProject(name: "shapes classifier", type: .classification, datasetID: cls.id)
        let p2 = try workspace.createProject(name: "shapes detector", type: .detection, datasetID: det.id)

        let summary = try [cls.id, det.id].map { id -> String in
            let s = try workspace.summary(id)
            return "\(s.id) \(s.name): \(s.images) images, \(s.annotations) annotations, train \(s.splits["train"] ?? 0) / val \(s.splits["val"] ?? 0) / test \(s.splits["test"] ?? 0)"
        } + ["\(p1.id) \(p1.name) on \(cls.id)", "\(p2.id) \(p2.name) on \(det.id)", "workspace: \(workspace.root.path)"]
        return Result(classification: cls.id, detection: det.id, projects: [p1.id, p2.id], summary: summary)
    }

    static func write(_ scene: ShapeScene, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(try ImageCodec.encodeJPEG(scene.image, quality: 90)).write(to: url)
    }

    static func writeVOC(_ scene: ShapeScene, name: String, to url: URL) throws {
        var xml = "<annotation>\n  <folder>JPEGImages</folder>\n  <filename>\(name).jpg</filename>\n"
        xml += "  <size><width>\(scene.image.width)</width><height>\(scene.image.height)</height><depth>3</depth></size>\n"
        for object in scene.objects {
            xml += "  <object>\n    <name>\(object.label)</name>\n    <difficult>0</difficult>\n    <bndbox>"
            xml += "<xmin>\(object.box.x)</xmin><ymin>\(object.box.y)</ymin><xmax>\(object.box.x2)</xmax><ymax>\(object.box.y2)</ymax></bndbox>\n  </object>\n"
        }
        xml += "</annotation>\n"
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(xml.utf8).write(to: url)
    }
}

/// One generated image and the exact boxes of what was drawn on it.
struct ShapeScene {
    struct Object { var label: String; var box: Box }
    var image: RGBImage
    var objects: [Object]

    static let palette: [RGBColor] = [RGBColor(230, 60, 50), RGBColor(50, 170, 80), RGBColor(60, 110, 230), RGBColor(240, 200, 40), RGBColor(200, 80, 200), RGBColor(40, 200, 210)]

    static func single(shape: String, size: Int, rng: inout SeededRandom) -> ShapeScene {
        var canvas = background(width: size, height: size, rng: &rng)
        let extent = Double(rng.int(in: size * 2 / 5...size * 3 / 4))
        let x = Double(rng.int(in: 2...(size - Int(extent) - 2)))
        let y = Double(rng.int(in: 2...(size - Int(extent) - 2)))
        let box = draw(shape, in: Box(x: x, y: y, width: extent, height: extent), on: &canvas, rng: &rng)
        return ShapeScene(image: canvas.image, objects: [Object(label: shape, box: box)])
    }

    /// Up to `count` shapes that don't overlap (placement gives up after a few tries per shape).
    static func several(width: Int, height: Int, count: Int, rng: inout SeededRandom) -> ShapeScene {
        var canvas = background(width: width, height: height, rng: &rng)
        var objects: [Object] = []
        var tries = 0
        while objects.count < count && tries < 50 {
            tries += 1
            let extent = Double(rng.int(in: 20...48))
            let x = Double(rng.int(in: 1...(width - Int(extent) - 1)))
            let y = Double(rng.int(in: 1...(height - Int(extent) - 1)))
            let candidate = Box(x: x, y: y, width: extent, height: extent)
            if objects.contains(where: { overlaps($0.box, candidate, margin: 3) }) { continue }
            let shape = ShapesDemo.classes[rng.int(in: 0...ShapesDemo.classes.count - 1)]
            objects.append(Object(label: shape, box: draw(shape, in: candidate, on: &canvas, rng: &rng)))
        }
        return ShapeScene(image: canvas.image, objects: objects)
    }

    static func background(width: Int, height: Int, rng: inout SeededRandom) -> Canvas {
        let base = UInt8(rng.int(in: 70...150))
        var canvas = Canvas(width: width, height: height, background: RGBColor(base, base, base))
        canvas.noise(&rng, amplitude: 30)
        return canvas
    }

    /// Draws `shape` filling `frame` and returns its exact bounding box.
    static func draw(_ shape: String, in frame: Box, on canvas: inout Canvas, rng: inout SeededRandom) -> Box {
        let color = palette[rng.int(in: 0...palette.count - 1)]
        switch shape {
        case "circle":
            let r = frame.width / 2
            canvas.fillCircle(cx: frame.x + r, cy: frame.y + r, radius: r, color)
        case "square":
            canvas.fillRect(x: Int(frame.x), y: Int(frame.y), width: Int(frame.width), height: Int(frame.height), color)
        default:
            canvas.fillTriangle((frame.x + frame.width / 2, frame.y), (frame.x, frame.y2), (frame.x2, frame.y2), color)
        }
        return frame
    }

    static func overlaps(_ a: Box, _ b: Box, margin: Double) -> Bool {
        a.x < b.x2 + margin && b.x < a.x2 + margin && a.y < b.y2 + margin && b.y < a.y2 + margin
    }
}
