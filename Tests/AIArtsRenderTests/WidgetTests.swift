import Testing
@testable import AIArtsRender

private func draw(_ widget: some Widget, _ w: Int, _ h: Int) -> [String] {
    var b = Buffer(width: w, height: h)
    b.render(widget, in: b.area)
    return b.lines()
}

@Suite struct BlockTests {
    @Test func borderAndTitle() {
        #expect(draw(Block(title: "Data"), 10, 3) == [
            "┌ Data ──┐",
            "│        │",
            "└────────┘",
        ])
    }

    @Test func focusedBlockUsesHeavyLinesAndAsciiFallback() {
        #expect(draw(Block(title: "x", focused: true), 5, 2) == ["┏ x ┓", "┗━━━┛"])
        #expect(draw(Block(title: "", ascii: true), 4, 3) == ["+--+", "|  |", "+--+"])
    }

    @Test func longCJKTitleIsTruncatedInsideTheBorder() {
        #expect(draw(Block(title: "猫狗数据集合"), 10, 2) == ["┌ 猫狗… ─┐", "└────────┘"])
    }

    @Test func titleEscapesAreInert() {
        let lines = draw(Block(title: "a\u{1B}]52;c;ZXZpbA==\u{7}b"), 8, 2)
        #expect(lines[0] == "┌ ab ──┐")
    }
}

@Suite struct ParagraphTests {
    @Test func wrapsAtWordsByDisplayWidth() {
        #expect(draw(Paragraph("the quick brown fox"), 10, 3) == ["the quick ", "brown fox ", "          "])
    }

    @Test func breaksLongWordsAndCJK() {
        #expect(draw(Paragraph("猫猫猫猫猫"), 5, 3) == ["猫猫 ", "猫猫 ", "猫   "])
        #expect(Paragraph.layout("abcdefgh", width: 3) == ["abc", "def", "gh"])
    }

    @Test func keepsNewlinesButNotEscapes() {
        #expect(draw(Paragraph("red\u{1B}[31m\nline2"), 6, 2) == ["red   ", "line2 "])
    }

    @Test func truncatesWhenNotWrapping() {
        #expect(draw(Paragraph("abcdefgh", wrap: false), 5, 1) == ["abcd…"])
    }
}

@Suite struct TableTests {
    let table = Table(header: ["ID", "NAME", "N"], rows: [["D1", "cats", "3"], ["D2", "猫と犬のデータ", "12"], ["D3", "x", "7"]],
                      widths: [.fixed(2), .fill(1), .fixed(2)], alignments: [.left, .left, .right])

    @Test func headerRowsTruncationAndAlignment() {
        #expect(draw(table, 14, 4) == [
            "ID NAME      N",
            "D1 cats      3",
            "D2 猫と犬…  12",
            "D3 x         7",
        ])
    }

    @Test func selectedRowIsHighlighted() {
        var t = table
        t.selected = 1
        var b = Buffer(width: 14, height: 4)
        b.render(t, in: b.area)
        #expect(b[0, 2].style.reverse)
        #expect(b[13, 2].style.reverse)
        #expect(!b[0, 1].style.reverse)
    }

    @Test func scrollsSoTheSelectionIsVisible() {
        var t = Table(header: ["N"], rows: (0..<10).map { ["row\($0)"] }, widths: [.fill(1)])
        t.selected = 7
        #expect(draw(t, 5, 4) == ["N    ", "row5 ", "row6 ", "row7 "])
        t.offset = 6; t.selected = 6
        #expect(draw(t, 5, 4) == ["N    ", "row6 ", "row7 ", "row8 "])
        t.selected = 2
        #expect(draw(t, 5, 4) == ["N    ", "row2 ", "row3 ", "row4 "])
    }

    @Test func scrollOffsetMovesAsLittleAsPossible() {
        #expect(Table.scrollOffset(selected: 5, offset: 3, visible: 4, count: 10) == 3)
        #expect(Table.scrollOffset(selected: 7, offset: 3, visible: 4, count: 10) == 4)
        #expect(Table.scrollOffset(selected: 1, offset: 3, visible: 4, count: 10) == 1)
        #expect(Table.scrollOffset(selected: 0, offset: 9, visible: 4, count: 5) == 0)
    }

    @Test func emptyTableShowsItsEmptyText() {
        let t = Table(header: ["A"], rows: [], widths: [.fill(1)], emptyText: "nothing yet")
        #expect(draw(t, 12, 2) == ["A           ", "nothing yet "])
    }

    @Test func escapeSequencesInCellsAreInert() {
        let t = Table(header: [], rows: [["\u{1B}[2Jevil\u{9B}31m"]], widths: [.fill(1)])
        #expect(draw(t, 6, 1) == ["evil  "])
    }
}

@Suite struct GaugeTests {
    @Test func barAndPercentage() {
        #expect(draw(Gauge(ratio: 0.5), 12, 1) == ["███▌     50%"])
        #expect(draw(Gauge(ratio: 1), 9, 1) == ["████ 100%"])
        #expect(draw(Gauge(ratio: 0), 9, 1) == ["       0%"])
    }

    @Test func partialBlocksAndAscii() {
        #expect(draw(Gauge(ratio: 0.3), 9, 1) == ["█▏    30%"])
        #expect(draw(Gauge(ratio: 0.5, ascii: true), 9, 1) == ["##..  50%"])
        #expect(draw(Gauge(ratio: .nan), 9, 1) == ["       0%"])
    }
}
