import AIArtsEngine
import AIArtsRender
import Foundation

/// The review screen: the sample's image as large as the terminal allows, with its boxes (the selected
/// one highlighted) or its class in large letters, and beside it where the review stands: position,
/// file, split, status and by whom, note, the model's suggestion, the boxes and the labels with their
/// number keys.
struct ReviewScreen: Widget {
    var state: HomeState

    /// The image on the left and the side panel on the right; stacked on narrow terminals.
    static func layout(_ area: Rect) -> (image: Rect, side: Rect) {
        if area.width >= 70 {
            let side = min(44, max(30, area.width * 3 / 10))
            let columns = area.split(.horizontal, [.fill(1), .fixed(side)])
            return (columns[0], columns[1])
        }
        let rows = area.split(.vertical, [.fill(1), .fixed(min(12, area.height / 2))])
        return (rows[0], rows[1])
    }

    static let colors: [Color] = [.yellow, .cyan, .magenta, .green, .red, .blue]

    static func color(_ label: Int) -> Color { colors[abs(label) % colors.count] }

    func render(in area: Rect, buffer: inout Buffer) {
        guard let review = state.review else { return }
        let theme = state.theme
        let parts = Self.layout(area)
        let item = review.item
        let title = item.map { "\(Sanitize.line($0.path)) \($0.size.width)×\($0.size.height)" } ?? "Review"
        let imageBlock = theme.block(title, focused: true, ascii: state.ascii)
        buffer.render(imageBlock, in: parts.image)
        let inner = imageBlock.inner(parts.image)
        renderSide(review, in: parts.side, buffer: &buffer)

        func say(_ text: String, _ style: Style) {
            buffer.set(x: inner.x + 1, y: inner.y, string: text, style: style, maxWidth: inner.width - 1)
        }
        if let error = review.error { return say("cannot review: " + error, theme.error) }
        if review.loading { return say(review.request.order == nil ? "reading the review…" : "reading the review and \(review.request.order ?? "")'s predictions…", theme.muted) }
        if review.queue.isEmpty {
            let what = review.request.summary
            return say("nothing to review: no sample of \(review.request.datasetID)" + (what.isEmpty ? "" : " with " + what), theme.muted)
        }
        guard let item else { return say("reading…", theme.muted) }
        if let image = review.image, image.sampleId == item.sampleId {
            if let pixels = image.image {
                buffer.render(ImageView(image: pixels, boxes: review.overlaysHidden ? [] : boxes(review, item, pixels), mode: state.imageMode), in: inner)
            } else {
                say("cannot show it: " + (image.error ?? "?"), theme.error)
            }
        } else {
            say("decoding…", theme.muted)
        }
        if !review.hasBoxes, !review.overlaysHidden { renderClass(item, in: inner, buffer: &buffer) }
        if let text = review.noteInput { renderNote(text, in: inner, buffer: &buffer) }
        if let picker = review.picker { renderPicker(picker, labels: item.labels, in: inner, buffer: &buffer) }
    }

    /// The sample's boxes in the decoded image's pixels: the selected one white and marked, and the
    /// model's suggested box (missing or better placed) dimmed with a question mark.
    func boxes(_ review: ReviewState, _ item: ReviewItem, _ image: PixelImage) -> [ImageBox] {
        let sx = Double(image.width) / Double(max(1, item.size.width)), sy = Double(image.height) / Double(max(1, item.size.height))
        func name(_ i: Int) -> String { item.labels.indices.contains(i) ? item.labels[i] : "#\(i)" }
        var result: [ImageBox] = []
        if let s = item.suggestions.first, let b = s.box {
            result.append(ImageBox(x: b.x * sx, y: b.y * sy, width: b.width * sx, height: b.height * sy,
                                   label: "? " + (s.labelIndex.map(name) ?? "") + String(format: " %.2f", s.score), color: .gray))
        }
        for (i, r) in item.boxes.enumerated() {
            guard let b = r.box, i != review.selectedBox else { continue }
            result.append(ImageBox(x: b.x * sx, y: b.y * sy, width: b.width * sx, height: b.height * sy, label: name(r.labelIndex), color: Self.color(r.labelIndex)))
        }
        // The selected box last, so it is drawn over the others.
        if let r = review.selected, let b = r.box {
            result.append(ImageBox(x: b.x * sx, y: b.y * sy, width: b.width * sx, height: b.height * sy,
                                   label: (state.ascii ? "> " : "▶ ") + name(r.labelIndex), color: .brightWhite))
        }
        return result
    }

    /// Classification: the class in large letters on a band across the bottom of the image.
    func renderClass(_ item: ReviewItem, in inner: Rect, buffer: inout Buffer) {
        guard inner.height >= 3 else { return }
        let names = item.boxes.map { item.labels.indices.contains($0.labelIndex) ? item.labels[$0.labelIndex] : "#\($0.labelIndex)" }
        let text = names.isEmpty ? "NO LABEL" : Sanitize.line(names.joined(separator: " + ")).uppercased()
        let spaced = text.map(String.init).joined(separator: " ")
        let shown = DisplayWidth.of(spaced) + 4 <= inner.width ? spaced : text
        let color = item.boxes.first.map { Self.color($0.labelIndex) } ?? .red
        let style = state.theme.hasColor ? Style(fg: [Color.red, .blue, .magenta].contains(color) ? .brightWhite : .black, bg: color, modifiers: .bold) : Style(modifiers: [.bold, .reverse])
        let band = Rect(x: inner.x, y: inner.maxY - 3, width: inner.width, height: 3)
        buffer.fill(band, style)
        for y in band.y..<band.maxY { buffer.set(x: band.x, y: y, string: String(repeating: " ", count: band.width), style: style) }
        let cut = DisplayWidth.truncate(shown, to: inner.width - 2)
        buffer.set(x: inner.x + max(1, (inner.width - DisplayWidth.of(cut)) / 2), y: band.y + 1, string: cut, style: style, maxWidth: inner.width - 1)
    }

    func renderNote(_ text: String, in inner: Rect, buffer: inout Buffer) {
        let box = Rect(x: inner.x, y: max(inner.y, inner.maxY - 3), width: inner.width, height: min(3, inner.height))
        buffer.fill(box, .plain)
        let block = state.theme.block("Note · Enter saves, Esc cancels", focused: true, ascii: state.ascii)
        buffer.render(block, in: box)
        let line = block.inner(box)
        let shown = Sanitize.line(text) + (state.ascii ? "_" : "▏")
        // The end of a long note stays in view.
        let visible = DisplayWidth.of(shown) > line.width - 1 ? String(shown.suffix(max(1, line.width - 2))) : shown
        buffer.set(x: line.x + 1, y: line.y, string: visible, style: state.theme.key, maxWidth: line.width - 1)
    }

    func renderPicker(_ picker: LabelPicker, labels: [String], in inner: Rect, buffer: inout Buffer) {
        let matches = LabelPicker.matches(picker.query, labels: labels)
        let rows = min(matches.count, max(1, min(12, inner.height - 4)))
        let width = min(inner.width, max(30, (labels.map { DisplayWidth.of(Sanitize.line($0)) }.max() ?? 0) + 10))
        let box = inner.centered(width: width, height: rows + 4)
        buffer.fill(box, .plain)
        let block = state.theme.block("Label · type to narrow, Enter assigns", focused: true, ascii: state.ascii)
        buffer.render(block, in: box)
        let list = block.inner(box)
        buffer.set(x: list.x + 1, y: list.y, string: "> " + Sanitize.line(picker.query) + (state.ascii ? "_" : "▏"), style: state.theme.key, maxWidth: list.width - 1)
        if matches.isEmpty {
            buffer.set(x: list.x + 1, y: list.y + 1, string: "no label matches", style: state.theme.muted, maxWidth: list.width - 1)
            return
        }
        // Keep the selection in view.
        let first = max(0, min(picker.selected - rows + 1, matches.count - rows))
        for (row, index) in matches.dropFirst(first).prefix(rows).enumerated() where list.y + 1 + row < list.maxY {
            let selected = first + row == picker.selected
            let text = String(format: "%3d ", index + 1) + Sanitize.line(labels[index])
            buffer.set(x: list.x + 1, y: list.y + 1 + row, string: DisplayWidth.truncate(text, to: list.width - 2),
                       style: selected ? state.theme.selection : .plain, maxWidth: list.width - 1)
        }
    }

    func renderSide(_ review: ReviewState, in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let block = theme.block("Review " + review.request.datasetID, focused: false, ascii: state.ascii)
        buffer.render(block, in: area)
        let inner = block.inner(area)
        var y = inner.y
        func line(_ text: String, _ style: Style = .plain) {
            guard y < inner.maxY else { return }
            buffer.set(x: inner.x + 1, y: y, string: DisplayWidth.truncate(text, to: inner.width - 1), style: style, maxWidth: inner.width - 1)
            y += 1
        }
        if !review.datasetName.isEmpty {
            let type = review.type.rawValue
            line(review.datasetName.contains(type) ? review.datasetName : "\(review.datasetName) (\(type))", theme.muted)
        }
        let what = review.request.summary
        if !what.isEmpty { line(what, theme.muted) }
        guard !review.queue.isEmpty else { return }
        let split = review.item?.split?.rawValue ?? "-"
        line("\(review.position + 1)/\(review.queue.count) · split \(split)", theme.title)
        guard let item = review.item else { return }
        line(Sanitize.line(item.path))
        if let s = item.state {
            let style = s.status == .reviewed ? theme.good : s.status == .flagged ? theme.warning : theme.error
            line((state.ascii ? "* " : "● ") + "\(s.status.rawValue) by \(Sanitize.line(s.reviewer)) \(Self.time(s.decidedAt))", style)
            if s.changed { line("  labels changed", theme.warning) }
            if let note = s.note { line("note: " + Sanitize.line(note)) }
        } else {
            line(state.ascii ? "o unreviewed" : "○ unreviewed", theme.muted)
        }
        if let suggestion = item.suggestions.first {
            let key = state.keymap.keys(for: .acceptSuggestion, in: .review).first.map { KeyNotation.label($0, ascii: state.ascii) } ?? "?"
            for part in Self.wrap("model: " + Sanitize.line(suggestion.text) + " (\(key) accepts)", width: inner.width - 1).prefix(4) {
                line(part, theme.warning)
            }
        } else if review.request.order != nil {
            line(item.predicted ? "model: agrees" : "model: no prediction here", theme.muted)
        }
        if review.pending > 0 { line("saving…", theme.muted) }
        line("auto-advance " + (review.autoAdvance ? "on" : "off") + (review.overlaysHidden ? " · overlays hidden" : ""), theme.muted)

        if review.hasBoxes {
            y += 1
            line("BOXES \(item.boxes.count) · edge: \(review.edge.rawValue)", theme.columnHeader)
            for (i, r) in item.boxes.enumerated() {
                let label = item.labels.indices.contains(r.labelIndex) ? item.labels[r.labelIndex] : "#\(r.labelIndex)"
                let where_ = r.box.map { String(format: "%.0f,%.0f %.0f×%.0f", $0.x, $0.y, $0.width, $0.height) } ?? ""
                line((i == review.selectedBox ? (state.ascii ? "> " : "▶ ") : "  ") + Sanitize.line(label) + "  " + where_,
                     i == review.selectedBox ? theme.selection : .plain)
                if y >= inner.maxY - 3 { break }
            }
            if item.boxes.isEmpty { line("  no boxes", theme.muted) }
        }

        if review.annotation != nil {
            y += 1
            let key = state.keymap.keys(for: .editAttributes, in: .review).first.map { KeyNotation.label($0, ascii: state.ascii) } ?? "?"
            line("ATTRIBUTES · \(key) edits", theme.columnHeader)
            let fields = review.attributeFields
            for field in fields where y < inner.maxY - 2 {
                line("  " + Sanitize.line("\(field.tag).\(field.name)") + " = " + (field.value.isEmpty ? "-" : Sanitize.line(field.value)),
                     field.value.isEmpty ? theme.muted : .plain)
            }
            if fields.isEmpty { line("  none for these tags", theme.muted) }
        }

        y += 1
        guard y < inner.maxY else { return }
        line("LABELS", theme.columnHeader)
        let current = Set(review.hasBoxes ? review.selected.map { [$0.labelIndex] } ?? [] : item.boxes.map(\.labelIndex))
        for (i, label) in item.labels.prefix(10).enumerated() {
            if y >= inner.maxY - (item.labels.count > 10 ? 1 : 0) { break }
            line("\((i + 1) % 10) " + Sanitize.line(label), current.contains(i) ? theme.selection : .plain)
        }
        if item.labels.count > 10 {
            let key = state.keymap.keys(for: .pickLabel, in: .review).first.map { KeyNotation.label($0, ascii: state.ascii) } ?? "?"
            line("… \(item.labels.count - 10) more: \(key) picks by name", theme.muted)
        }
    }

    /// Words laid out on lines of at most `width` columns (a longer word is cut when drawn).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ") {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if DisplayWidth.of(candidate) <= max(1, width) || current.isEmpty {
                current = candidate
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// The time of day for a decision made today, else its date.
    static func time(_ date: Date, now: Date = Date()) -> String {
        let f = DateFormatter()
        f.dateFormat = Calendar.current.isDate(date, inSameDayAs: now) ? "HH:mm" : "yyyy-MM-dd"
        return f.string(from: date)
    }
}

/// The review screen's lines in the help overlay and the footer.
enum ReviewHelp {
    typealias Line = ActionHelp.Line
    static let lines: [Line] = [
        Line(actions: [.accept], text: "accept as reviewed (and go on to the next sample when auto-advance is on)", footer: "accept"),
        Line(actions: [.class1, .class2, .class3, .class4, .class5, .class6, .class7, .class8, .class9, .class10],
             text: "class 1…9, 0: the image's class (classification) or the selected box's", footer: "class"),
        Line(actions: [.pickLabel], text: "pick a label by name (type to narrow, Enter assigns)"),
        Line(actions: [.previousSample, .nextSample], text: "previous / next sample", footer: "prev/next", footerShowsPairs: true),
        Line(actions: [.nextUnreviewed], text: "the next sample nobody has decided about", footer: "unreviewed"),
        Line(actions: [.flag], text: "flag for re-annotation", footer: "flag"),
        Line(actions: [.markBad], text: "mark the image bad", footer: "bad"),
        Line(actions: [.nextBox, .previousBox], text: "select the next / previous box", footer: "box"),
        Line(actions: [.deleteBox], text: "delete the selected box", footer: "delete"),
        Line(actions: [.chooseEdge], text: "choose the edge to nudge: left, top, right, bottom"),
        Line(actions: [.nudgeBack, .nudgeForward], text: "nudge that edge left or up / right or down (a screen pixel)"),
        Line(actions: [.nudgeBackFast, .nudgeForwardFast], text: "nudge it ten screen pixels"),
        Line(actions: [.hideOverlays], text: "hold to hide the boxes and labels"),
        Line(actions: [.note], text: "add a note (Enter saves, Esc cancels)", footer: "note"),
        Line(actions: [.acceptSuggestion], text: "accept the model's suggestion (order=TASK)", footer: "suggestion"),
        Line(actions: [.undo, .redo], text: "undo / redo your last decision", footer: "undo"),
        Line(actions: [.editAttributes], text: "attributes of the sample's tags (reviewing an annotation batch)"),
        Line(actions: [.autoAdvance], text: "auto-advance on / off"),
        Line(actions: [.commandLine], text: "command line (review D0002 split=val status=unreviewed …)"),
        Line(actions: [.close], text: "back (every decision is already saved)", footer: "back"),
    ]
}
