import Testing
@testable import AIArtsRender

/// A w × h image filled by `color(x, y)`.
private func image(_ w: Int, _ h: Int, _ color: (Int, Int) -> (UInt8, UInt8, UInt8)) -> PixelImage {
    var rgb: [UInt8] = []
    for y in 0..<h { for x in 0..<w { let (r, g, b) = color(x, y); rgb += [r, g, b] } }
    return PixelImage(width: w, height: h, rgb: rgb)!
}

private func render(_ view: ImageView, _ w: Int, _ h: Int) -> Buffer {
    var b = Buffer(width: w, height: h)
    b.render(view, in: b.area)
    return b
}

/// Red, green / blue, white quadrants.
private let quadrants = image(4, 4) { x, y in
    switch (x < 2, y < 2) {
    case (true, true): (255, 0, 0)
    case (false, true): (0, 255, 0)
    case (true, false): (0, 0, 255)
    case (false, false): (255, 255, 255)
    }
}

@Suite struct ImageViewTests {
    @Test func halfBlocksCarryTopPixelAsForegroundAndBottomAsBackground() {
        let b = render(ImageView(image: quadrants), 4, 2)
        #expect(b.lines() == ["▀▀▀▀", "▀▀▀▀"])
        #expect(b[0, 0].style == Style(fg: .rgb(255, 0, 0), bg: .rgb(255, 0, 0)))
        #expect(b[3, 0].style == Style(fg: .rgb(0, 255, 0), bg: .rgb(0, 255, 0)))
        #expect(b[1, 1].style == Style(fg: .rgb(0, 0, 255), bg: .rgb(0, 0, 255)))
        #expect(b[2, 1].style == Style(fg: .rgb(255, 255, 255), bg: .rgb(255, 255, 255)))

        // A horizontal stripe pattern: each cell shows two different rows.
        let stripes = image(1, 2) { _, y in y == 0 ? (10, 20, 30) : (200, 100, 0) }
        #expect(render(ImageView(image: stripes), 1, 1)[0, 0].style == Style(fg: .rgb(10, 20, 30), bg: .rgb(200, 100, 0)))
    }

    @Test func downscaleAveragesAreas() {
        let small = quadrants.resized(width: 2, height: 2)
        #expect(small.rgb == [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
        let half = image(2, 1) { x, _ in x == 0 ? (0, 0, 0) : (255, 101, 10) }.resized(width: 1, height: 1)
        #expect(half.rgb == [128, 51, 5])
        // Tall bands (16-bit sums up to 257 rows, 32-bit beyond) average the same way.
        #expect(image(1, 200) { _, y in y % 2 == 0 ? (255, 255, 0) : (0, 255, 0) }.resized(width: 1, height: 1).rgb == [128, 255, 0])
        #expect(image(1, 600) { _, y in y % 2 == 0 ? (255, 255, 0) : (0, 255, 0) }.resized(width: 1, height: 1).rgb == [128, 255, 0])
        // Enlarging repeats pixels.
        #expect(image(1, 1) { _, _ in (7, 8, 9) }.resized(width: 2, height: 2).rgb == [UInt8](repeating: 0, count: 12).indices.map { [7, 8, 9][$0 % 3] })
    }

    @Test func fitKeepsTheAspectRatioAndCentres() {
        // 8 × 4 pixels into 10 × 10 cells (10 × 20 square pixels): 10 × 5 pixels, 3 cell rows, centred.
        #expect(ImageView.fittedSize(width: 8, height: 4, in: Size(width: 10, height: 10)) == Size(width: 10, height: 5))
        let b = render(ImageView(image: image(8, 4) { _, _ in (50, 50, 50) }), 10, 10)
        let lines = b.lines()
        #expect(lines[0..<3].allSatisfy { $0 == "          " })
        #expect(lines[3..<6].allSatisfy { $0 == "▀▀▀▀▀▀▀▀▀▀" })
        #expect(lines[6..<10].allSatisfy { $0 == "          " })
        // Odd pixel height: the last row's bottom half is the terminal's background.
        #expect(b[0, 5].style == Style(fg: .rgb(50, 50, 50), bg: .default))
        // A tall image in a wide area is centred horizontally.
        #expect(ImageView.fittedSize(width: 10, height: 40, in: Size(width: 20, height: 5)) == Size(width: 3, height: 10))
        #expect(render(ImageView(image: image(10, 40) { _, _ in (1, 1, 1) }), 20, 5).lines()[0] == "        ▀▀▀         ")
    }

    @Test func boxesAreOutlinedInPixelsWithTheirLabelAbove() {
        let black = image(8, 8) { _, _ in (0, 0, 0) }
        let box = ImageBox(x: 2, y: 2, width: 4, height: 4, label: "cat", color: .yellow)
        let b = render(ImageView(image: black, boxes: [box]), 8, 4)
        #expect(b.lines()[0] == "▀▀cat▀▀▀")
        #expect(b[2, 0].style.bg == .yellow)
        let k = Color.rgb(0, 0, 0)
        // Top edge on pixel row 2 (cell row 1, upper half), bottom edge on pixel row 5 (cell row 2, lower half).
        #expect(b[2, 1].style == Style(fg: .yellow, bg: .yellow))   // left side, both halves
        #expect(b[3, 1].style == Style(fg: .yellow, bg: k))         // top edge
        #expect(b[3, 2].style == Style(fg: k, bg: .yellow))         // bottom edge
        #expect(b[5, 2].style == Style(fg: .yellow, bg: .yellow))   // right side
        #expect(b[1, 1].style == Style(fg: k, bg: k))               // outside
        #expect(b[3, 3].style == Style(fg: k, bg: k))
    }

    @Test func boxesOutsideOrMalformedAreIgnoredAndLabelsSanitized() {
        let img = image(4, 4) { _, _ in (0, 0, 0) }
        let boxes = [ImageBox(x: 10, y: 10, width: 2, height: 2), ImageBox(x: .nan, y: 0, width: 1, height: 1),
                     ImageBox(x: -5, y: 0, width: 100, height: 1, label: "a\u{1B}]0;evil\u{7}b")]
        let lines = render(ImageView(image: img, boxes: boxes), 4, 2).lines()
        #expect(lines[0] == "ab▀▀")
    }

    @Test func asciiFallbacks() {
        let bw = image(2, 2) { x, _ in x == 0 ? (0, 0, 0) : (255, 255, 255) }
        #expect(render(ImageView(image: bw, mode: .luminance), 2, 1).lines() == [" @"])
        let b = render(ImageView(image: quadrants, mode: .colorBlocks), 4, 2)
        #expect(b.lines() == ["    ", "    "])
        #expect(b[0, 0].style.bg == .rgb(255, 0, 0))
        #expect(b[3, 1].style.bg == .rgb(255, 255, 255))
        let boxed = render(ImageView(image: image(8, 8) { _, _ in (0, 0, 0) }, boxes: [ImageBox(x: 2, y: 2, width: 4, height: 4, label: "dog")],
                                     mode: .luminance), 8, 4)
        #expect(boxed.lines() == ["  dog   ", "  +--+  ", "  +--+  ", "        "])
    }

    @Test func invalidPixelBuffersAreRefused() {
        #expect(PixelImage(width: 2, height: 2, rgb: [0, 0, 0]) == nil)
        #expect(PixelImage(width: 0, height: 2, rgb: []) == nil)
        #expect(PixelImage(width: -1, height: -1, rgb: [0, 0, 0]) == nil)
    }
}
