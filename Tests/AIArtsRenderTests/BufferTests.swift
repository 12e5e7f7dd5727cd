import Testing
@testable import AIArtsRender

@Suite struct BufferTests {
    @Test func setWritesAndClipsByDisplayWidth() {
        var b = Buffer(width: 6, height: 1)
        let n = b.set(x: 0, y: 0, string: "abcdefgh")
        #expect(n == 6)
        #expect(b.lines() == ["abcdef"])
        var c = Buffer(width: 6, height: 1)
        #expect(c.set(x: 1, y: 0, string: "abcdef", maxWidth: 3) == 3)
        #expect(c.lines() == [" abc  "])
    }

    @Test func wideCharactersTakeTwoCellsWithAContinuation() {
        var b = Buffer(width: 6, height: 1)
        #expect(b.set(x: 0, y: 0, string: "猫ab") == 4)
        #expect(b[0, 0].width == 2)
        #expect(b[1, 0].isContinuation)
        #expect(b.lines() == ["猫ab  "])
    }

    @Test func wideCharacterIsNeverSplitAtTheRightEdge() {
        var b = Buffer(width: 5, height: 1)
        #expect(b.set(x: 0, y: 0, string: "数据集") == 4)
        #expect(b.lines() == ["数据 "])
        var c = Buffer(width: 6, height: 1)
        #expect(c.set(x: 0, y: 0, string: "a数据集", maxWidth: 4) == 3)
        #expect(c.lines() == ["a数   "])
    }

    @Test func overwritingHalfOfAWideCharacterBlanksTheOtherHalf() {
        var b = Buffer(width: 4, height: 1)
        b.set(x: 0, y: 0, string: "猫狗")
        b.set(x: 1, y: 0, string: "x")          // second half of 猫
        #expect(b.lines() == [" x狗"])
        b.set(x: 2, y: 0, string: "y")          // first half of 狗
        #expect(b.lines() == [" xy "])
        #expect(!b[3, 0].isContinuation)
    }

    @Test func zeroWidthControlsAreSkipped() {
        var b = Buffer(width: 4, height: 1)
        b.set(x: 0, y: 0, string: "a\u{7}b")
        #expect(b.lines() == ["ab  "])
    }

    @Test func fillAndPatchStyle() {
        var b = Buffer(width: 3, height: 2)
        b.set(x: 0, y: 0, string: "abc", style: Style(fg: .red))
        b.patchStyle(Rect(x: 0, y: 0, width: 2, height: 1), Style(modifiers: .reverse))
        #expect(b[0, 0].style == Style(fg: .red, modifiers: .reverse))
        #expect(b[2, 0].style == Style(fg: .red))
        b.fill(Rect(x: 1, y: 0, width: 5, height: 5), Style(bg: .blue))
        #expect(b.lines() == ["a  ", "   "])
        #expect(b[2, 1].style.bg == .blue)
    }

    @Test func styleIsPatchedNotReplaced() {
        let base = Style(fg: .red, bg: .black, modifiers: .bold)
        let patched = base.patched(with: Style(fg: .green, modifiers: .underline))
        #expect(patched == Style(fg: .green, bg: .black, modifiers: [.bold, .underline]))
    }
}

@Suite struct DiffTests {
    @Test func identicalBuffersHaveNoChanges() {
        var b = Buffer(width: 5, height: 2)
        b.set(x: 0, y: 0, string: "héllo")
        #expect(b.diff(from: b).isEmpty)
    }

    @Test func onlyChangedCellsAreReported() {
        var a = Buffer(width: 5, height: 1)
        a.set(x: 0, y: 0, string: "hello")
        var b = a
        b.set(x: 1, y: 0, string: "a")
        let d = b.diff(from: a)
        #expect(d.count == 1)
        #expect(d[0].x == 1 && d[0].cell.symbol == "a")
    }

    @Test func wideCharacterReplacingTwoNarrowOnesIsOneWrite() {
        var a = Buffer(width: 4, height: 1)
        a.set(x: 0, y: 0, string: "abcd")
        var b = a
        b.set(x: 1, y: 0, string: "猫")
        let d = b.diff(from: a)
        #expect(d.map(\.x) == [1])
        #expect(d[0].cell.symbol == "猫" && d[0].cell.width == 2)
        #expect(b.lines() == ["a猫d"])
    }

    @Test func narrowCharactersReplacingAWideOneAreBothWritten() {
        var a = Buffer(width: 4, height: 1)
        a.set(x: 0, y: 0, string: "猫猫")
        var b = Buffer(width: 4, height: 1)
        b.set(x: 0, y: 0, string: "ab猫")
        let d = b.diff(from: a)
        #expect(d.map(\.x) == [0, 1])
    }

    @Test func shiftedWideCharacterSkipsItsContinuation() {
        var a = Buffer(width: 4, height: 1)
        a.set(x: 0, y: 0, string: "a猫b")
        var b = Buffer(width: 4, height: 1)
        b.set(x: 0, y: 0, string: "猫cb")
        let d = b.diff(from: a)
        #expect(d.map(\.x) == [0, 2])
    }

    @Test func resizeRedrawsEverythingButContinuations() {
        let a = Buffer(width: 2, height: 1)
        var b = Buffer(width: 3, height: 1)
        b.set(x: 0, y: 0, string: "猫x")
        #expect(b.diff(from: a).map(\.x) == [0, 2])
    }
}

@Suite struct LayoutTests {
    @Test func fixedPercentageAndFillCoverTheWhole() {
        let parts = Rect(x: 0, y: 0, width: 100, height: 10).split(.horizontal, [.fixed(10), .percentage(50), .fill(1), .fill(1)])
        #expect(parts.map(\.width) == [10, 50, 20, 20])
        #expect(parts.map(\.x) == [0, 10, 60, 80])
    }

    @Test func fixedPartsShrinkWhenSpaceRunsOut() {
        let parts = Rect(x: 0, y: 2, width: 5, height: 7).split(.vertical, [.fixed(1), .fill(1), .fixed(10)])
        #expect(parts.map(\.height) == [1, 0, 6])
        #expect(parts.map(\.y) == [2, 3, 3])
    }

    @Test func fillWeightsShareTheRemainder() {
        let parts = Rect(x: 0, y: 0, width: 10, height: 1).split(.horizontal, [.fill(2), .fill(1)])
        #expect(parts.map(\.width) == [6, 4])
    }
}

@Suite struct ColorTests {
    @Test func rgbMapsToNearestPaletteEntries() {
        #expect(Color.rgb(255, 0, 0).nearestIndexed == 196)
        #expect(Color.rgb(128, 128, 128).nearestIndexed == 244)
        #expect(Color.rgb(250, 10, 10).nearestANSI == 9)
        #expect(Color.indexed(21).nearestANSI == 4)
        #expect(Color.default.nearestIndexed == nil)
    }
}

/// Joined graphemes (issue 11): a family emoji or a letter with a zero-width joiner keeps the pane's
/// border where it belongs. Each cell holds what every terminal draws at the measured width: the
/// first part of a joined sequence, without the joiner (before, the whole sequence went into one
/// cell and terminals drew it as one, three or no glyphs).
@Suite struct JoinedGraphemeTests {
    @Test func zwjSequencesKeepTheBorderColumn() {
        var b = Buffer(width: 12, height: 3)
        b.render(Block(title: "x"), in: b.area)
        #expect(b.set(x: 1, y: 1, string: "👨\u{200D}👩\u{200D}👧 a\u{200D}b", maxWidth: 10) == 5)
        #expect(b[1, 1].symbol == "👨" && b[1, 1].width == 2)
        #expect(b[2, 1].isContinuation)
        #expect(b[4, 1].symbol == "a" && b[5, 1].symbol == "b")
        #expect(b.lines()[1] == "│👨 ab     │")
        #expect(b[11, 1].symbol == "│")
        for y in 0..<3 { for x in 0..<12 { #expect(!b[x, y].symbol.unicodeScalars.contains { $0.value == 0x200D }) } }
    }

    @Test func combiningMarksAndVariationSelectorsStayInTheirCell() {
        var b = Buffer(width: 6, height: 1)
        #expect(b.set(x: 0, y: 0, string: "e\u{301}☀\u{FE0F}👍🏽") == 5)
        #expect(b[0, 0].symbol == "e\u{301}")
        #expect(b[1, 0].symbol == "☀\u{FE0F}" && b[1, 0].width == 2)
        #expect(b[3, 0].symbol == "👍" && b[3, 0].width == 2)
    }
}
