import AIArtsRender
import Foundation
import Testing
import AIArtsEngine
@testable import AIArtsTUI

/// Kitty's graphics protocol: the sequences, the question and its answer, and when images are sent.
@Suite struct KittyGraphicsTests {
    static func image(_ w: Int, _ h: Int, noise: Bool = false) -> PixelImage {
        var seed: UInt32 = 7
        let rgb = (0..<w * h * 3).map { i -> UInt8 in
            guard noise else { return UInt8(i % 3 == 0 ? 200 : 10) }
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: seed >> 24)
        }
        return PixelImage(width: w, height: h, rgb: rgb)!
    }

    /// The APC sequences in `bytes`, as (keys, payload) pairs.
    static func commands(_ bytes: [UInt8]) -> [(keys: String, payload: String)] {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.components(separatedBy: "\u{1B}_G").dropFirst().map { part in
            let body = part.components(separatedBy: "\u{1B}\\")[0]
            let split = body.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(split[0]), split.count > 1 ? String(split[1]) : "")
        }
    }

    static func inflate(_ data: [UInt8], size: Int) -> [UInt8]? {
        guard let out = ZlibStream.decompress(data, format: .zlib, limit: size), out.count == size else { return nil }
        return out
    }

    @Test func aSmallImageIsOneCommandAtItsCellsWithTheCursorPutBack() throws {
        let placement = GraphicPlacement(area: Rect(x: 4, y: 2, width: 10, height: 5), image: Self.image(40, 30))
        let bytes = KittyGraphics.place(placement)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("\u{1B}7\u{1B}[3;5H"))  // 1-based row;column of the top-left cell
        #expect(text.hasSuffix("\u{1B}8"))
        let commands = Self.commands(bytes)
        #expect(commands.count == 1)
        #expect(commands[0].keys == "a=T,f=24,s=40,v=30,i=\(placement.id),c=10,r=5,C=1,q=2,z=-1,o=z,m=0")
        let payload = try #require(Data(base64Encoded: commands[0].payload))
        #expect(Self.inflate(Array(payload), size: 40 * 30 * 3) == placement.paintedPixels())
    }

    @Test func aLargeImageGoesInChunksOfAtMost4096() throws {
        let placement = GraphicPlacement(area: Rect(x: 0, y: 0, width: 20, height: 10), image: Self.image(64, 64, noise: true))
        let commands = Self.commands(KittyGraphics.place(placement))
        #expect(commands.count > 3)
        #expect(commands.allSatisfy { $0.payload.utf8.count <= 4096 })
        // Noise does not compress: it goes raw, and only the first chunk carries the keys.
        #expect(commands[0].keys == "a=T,f=24,s=64,v=64,i=\(placement.id),c=20,r=10,C=1,q=2,z=-1,m=1")
        #expect(commands.dropFirst().dropLast().allSatisfy { $0.keys == "m=1" })
        #expect(commands.last?.keys == "m=0")
        let joined = try #require(Data(base64Encoded: commands.map(\.payload).joined()))
        #expect(Array(joined) == placement.image.rgb)
    }

    @Test func tmuxPassthroughDoublesEscapes() {
        let wrapped = String(decoding: KittyGraphics.delete(5, tmux: true), as: UTF8.self)
        #expect(wrapped == "\u{1B}Ptmux;\u{1B}\u{1B}_Ga=d,d=I,i=5,q=2\u{1B}\u{1B}\\\u{1B}\\")
    }

    @Test func theAnswerToTheQuestion() {
        #expect(KittyGraphics.answer(Array("\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[?62;22c".utf8)) == true)
        #expect(KittyGraphics.answer(Array("\u{1B}[?64;1;2;6;9;15;18;21;22c".utf8)) == false)
        #expect(KittyGraphics.answer(Array("\u{1B}_Gi=31;EINVAL".utf8)) == nil)  // still waiting for the rest
        let query = String(decoding: KittyGraphics.query(tmux: false), as: UTF8.self)
        #expect(query == "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\\u{1B}[c")
    }

    @Test func autoAsksOnlyWhereAnAnswerCanMeanSomething() {
        var asked = 0
        let ask = { () -> Bool in asked += 1; return true }
        #expect(GraphicsChoice.auto.resolve(environment: ["TERM": "xterm-kitty"], ask: ask))
        #expect(asked == 1)
        #expect(!GraphicsChoice.auto.resolve(environment: ["TERM": "xterm-256color", "TMUX": "/tmp/t,1,0"], ask: ask))
        #expect(!GraphicsChoice.auto.resolve(environment: ["TERM": "linux"], ask: ask))
        #expect(!GraphicsChoice.auto.resolve(environment: ["TERM": "screen-256color", "STY": "1.pts"], ask: ask))
        #expect(!GraphicsChoice.auto.resolve(environment: [:], ask: ask))
        #expect(asked == 1)
        #expect(GraphicsChoice.kitty.resolve(environment: ["TERM": "dumb"], ask: ask))
        #expect(!GraphicsChoice.off.resolve(environment: ["TERM": "xterm-kitty"], ask: ask))
        #expect(asked == 1)
    }

    @Test func theImageViewPlacesTheImageAndDrawsBoxesIntoItsPixels() {
        let image = Self.image(80, 40)
        var buffer = Buffer(width: 30, height: 12)
        buffer.set(x: 0, y: 5, string: String(repeating: "x", count: 30))
        let box = ImageBox(x: 10, y: 10, width: 20, height: 10, label: "cat", color: .rgb(0, 255, 0))
        buffer.render(ImageView(image: image, boxes: [box], mode: .graphics), in: buffer.area)
        #expect(buffer.graphics.count == 1)
        let placed = buffer.graphics[0]
        // 80×40 pixels in 30×12 cells (two pixels a row): the full width, 15 pixels or 8 rows, centred.
        #expect(placed.area == Rect(x: 0, y: 2, width: 30, height: 8))
        #expect(placed.image.width == 80 && placed.image.height == 40)
        // The cells under it are blanked (the old text would show through), the label is written.
        let lines = buffer.lines()
        #expect(!lines[5].contains("x"))
        #expect(lines.contains { $0.contains("cat") })
        // The outline is in the pixels: the box's corner is green, its inside is not.
        let pixels = placed.paintedPixels()
        #expect(Array(pixels[(10 * 80 + 10) * 3..<(10 * 80 + 10) * 3 + 3]) == [0, 255, 0])
        #expect(Array(pixels[(15 * 80 + 20) * 3..<(15 * 80 + 20) * 3 + 3]) == [200, 10, 10])
        #expect(placed.image.rgb == image.rgb)  // the image itself is left as it was
        // Drawn again from the same image, it is the same placement; moved, or with another box, not.
        var again = Buffer(width: 30, height: 12)
        again.render(ImageView(image: image, boxes: [box], mode: .graphics), in: again.area)
        #expect(again.graphics == buffer.graphics)
        var moved = Buffer(width: 30, height: 12)
        moved.render(ImageView(image: image, boxes: [ImageBox(x: 11, y: 10, width: 20, height: 10, label: "cat", color: .rgb(0, 255, 0))], mode: .graphics), in: moved.area)
        #expect(moved.graphics[0].id != placed.id)
    }

    @Test func imagesAreSentOnceAndDeletedWhenGone() {
        let backend = TestBackend(width: 30, height: 12)
        let renderer = Renderer()
        var frame = Buffer(width: 30, height: 12)
        frame.render(ImageView(image: Self.image(20, 20), mode: .graphics), in: frame.area)
        renderer.draw(frame, on: backend)
        renderer.draw(frame, on: backend)
        #expect(backend.graphicsSent == 1 && backend.graphics.count == 1)
        // Another image in its place: the old one goes, the new one comes.
        var next = Buffer(width: 30, height: 12)
        next.render(ImageView(image: Self.image(20, 10), mode: .graphics), in: next.area)
        renderer.draw(next, on: backend)
        #expect(backend.graphicsSent == 2 && backend.graphics.map(\.id) == next.graphics.map(\.id))
        renderer.draw(Buffer(width: 30, height: 12), on: backend)
        #expect(backend.graphics.isEmpty)
        // After the screen is cleared (a resize), what is shown is sent again.
        renderer.draw(next, on: backend)
        renderer.invalidate()
        renderer.draw(next, on: backend)
        #expect(backend.graphicsSent == 4 && backend.graphics.count == 1)
    }

    @Test func theHomeViewDecodesAtTheCellsPixelSizeWithGraphics() {
        var state = HomeState()
        #expect(state.imageMode == .halfBlock)
        #expect(state.imagePixels(Rect(x: 0, y: 0, width: 40, height: 10)) == Size(width: 40, height: 20))
        state.graphicsCell = Size(width: 10, height: 20)
        #expect(state.imageMode == .graphics)
        #expect(state.imagePixels(Rect(x: 0, y: 0, width: 40, height: 10)) == Size(width: 400, height: 200))
        #expect(state.imagePixels(Rect(x: 0, y: 0, width: 400, height: 100)) == Size(width: 2048, height: 1024))  // capped
        state.ascii = true
        #expect(state.imageMode != .graphics)
    }
}
