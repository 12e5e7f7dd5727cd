import AIArtsImaging
import Foundation
@testable import AIArtsEngine

/// Real image files for tests, made with the codecs.
enum Fixtures {
    static func jpeg(width: Int = 64, height: Int = 48, color: RGBColor = RGBColor(200, 40, 40)) -> Data {
        Data(try! ImageCodec.encodeJPEG(RGBImage(width: width, height: height, color: color), quality: 85))
    }

    static func png(width: Int = 64, height: Int = 48) -> Data {
        Data(try! ImageCodec.encodePNG(RGBImage(width: width, height: height, color: RGBColor(10, 200, 10))))
    }

    static func mask(width: Int, height: Int, values: (Int, Int) -> UInt8) -> Data {
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width { pixels[y * width + x] = values(x, y) } }
        return Data(try! ImageCodec.encodeMask(IndexedImage(width: width, height: height, values: pixels)))
    }

    static func voc(_ file: String, width: Int, height: Int, objects: [(String, Double, Double, Double, Double)]) -> String {
        var xml = "<annotation><filename>\(file)</filename><size><width>\(width)</width><height>\(height)</height><depth>3</depth></size>"
        for (name, x1, y1, x2, y2) in objects {
            xml += "<object><name>\(name)</name><bndbox><xmin>\(x1)</xmin><ymin>\(y1)</ymin><xmax>\(x2)</xmax><ymax>\(y2)</ymax></bndbox></object>"
        }
        return xml + "</annotation>"
    }

    /// A workspace in a temp folder, with the folder kept alive as long as the value.
    static func workspace() throws -> (Workspace, TempFolder) {
        let folder = TempFolder("aiarts-ws")
        return (try Workspace(root: folder.url), folder)
    }
}
