import AIArtsEngine
import AIArtsRender
import Foundation

/// What the review screen asks of the loop; `HomeApp` turns these into background work.
enum ReviewEffect: Equatable {
    /// Save a decision about a sample (the engine, at once, in one transaction).
    case decide(Int64, ReviewDecision)
    case loadItem(Int64)
    /// Decode the item's image at the image area's size.
    case loadImage(Int64, URL)
    /// Read the sample's attributes under the batch's annotation task.
    case loadAttributes(Int64)
    case undo(redo: Bool)
    case findUnreviewed
    /// Show the overlays again after `seconds`, unless the hide key comes again (generation).
    case hideTimer(generation: Int, seconds: Double)
    case notice(String, isError: Bool)
    case close
    case quit
}

/// The review screen's behaviour: pure state changes, each returning what is to be done.
extension ReviewState {
    /// What an action does here; nil for the actions the Home view handles itself (help, the command
    /// line, quit with nothing unsaved).
    mutating func perform(_ action: Action) -> [ReviewEffect]? {
        if let index = action.classIndex { return assign(index) }
        switch action {
        case .pickLabel:
            guard item != nil, !labels.isEmpty else { return [] }
            if hasBoxes, selected == nil { return [.notice("no box selected: Tab selects one", isError: true)] }
            picker = LabelPicker()
        case .accept:
            return decide(.accept) + (autoAdvance ? advance() : [])
        case .flag:
            return decide(.flag) + (autoAdvance ? advance() : [])
        case .markBad:
            return decide(.markBad) + (autoAdvance ? advance() : [])
        case .autoAdvance:
            autoAdvance.toggle()
            return [.notice("auto-advance " + (autoAdvance ? "on: accept, flag and bad go to the next sample" : "off: stay on the sample"), isError: false)]
        case .previousSample:
            guard position > 0 else { return queue.isEmpty ? [] : [.notice("this is the first sample", isError: false)] }
            return go(to: position - 1)
        case .nextSample:
            return advance()
        case .nextUnreviewed:
            return queue.isEmpty ? [] : [.findUnreviewed]
        case .nextBox, .previousBox:
            guard hasBoxes, let count = item?.boxes.count, count > 0 else { return [] }
            selectedBox = ((selectedBox + (action == .nextBox ? 1 : -1)) % count + count) % count
        case .deleteBox:
            guard let box = selected else { return [.notice("no box selected", isError: true)] }
            return decide(.deleteBox(annotationId: box.annotationId))
        case .chooseEdge:
            edge = edge.next
        case .nudgeBack, .nudgeForward, .nudgeBackFast, .nudgeForwardFast:
            let sign: Double = action == .nudgeBack || action == .nudgeBackFast ? -1 : 1
            let fast = action == .nudgeBackFast || action == .nudgeForwardFast
            return nudge(by: sign * (fast ? 10 : 1) * screenPixel)
        case .hideOverlays:
            let repeated = overlaysHidden
            overlaysHidden = true
            hideGeneration += 1
            return [.hideTimer(generation: hideGeneration, seconds: repeated ? Self.repeatHold : Self.firstHold)]
        case .note:
            guard let item else { return [] }
            noteInput = item.state?.note ?? ""
        case .acceptSuggestion:
            guard let suggestion = item?.suggestions.first else {
                return [.notice(request.order == nil ? "no suggestions: open the review with order=TASK" : "the model has no suggestion here", isError: true)]
            }
            return decide(.acceptSuggestion(suggestion))
        case .undo, .redo:
            guard !loading else { return [] }
            pending += 1
            return [.undo(redo: action == .redo)]
        case .close:
            return [.close]
        case .quit:
            guard pending > 0 else { return nil }
            quitWhenSaved = true
            return [.notice("saving…", isError: false)]
        default:
            return nil
        }
        return []
    }

    /// A class key or the picker: the image's class (classification, then on to the next sample when
    /// auto-advance is on) or the selected box's.
    mutating func assign(_ index: Int) -> [ReviewEffect] {
        guard item != nil else { return [] }
        guard labels.indices.contains(index) else {
            return [.notice("no class \(index == 9 ? 0 : index + 1): this dataset has \(labels.count) label\(labels.count == 1 ? "" : "s")", isError: true)]
        }
        if hasBoxes {
            guard let box = selected else { return [.notice("no box selected: Tab selects one", isError: true)] }
            return decide(.setBoxClass(annotationId: box.annotationId, labelIndex: index))
        }
        return decide(.setClass(index)) + (autoAdvance ? advance() : [])
    }

    /// A decision about the sample on screen, sent at once.
    mutating func decide(_ decision: ReviewDecision) -> [ReviewEffect] {
        guard let item else { return [] }
        pending += 1
        return [.decide(item.sampleId, decision)]
    }

    mutating func advance() -> [ReviewEffect] {
        guard position + 1 < queue.count else {
            return queue.isEmpty ? [] : [.notice("that was the last sample (\(queue.count)/\(queue.count))", isError: false)]
        }
        return go(to: position + 1)
    }

    mutating func go(to index: Int) -> [ReviewEffect] {
        guard queue.indices.contains(index) else { return [] }
        position = index
        item = nil
        selectedBox = 0
        noteInput = nil
        picker = nil
        return [.loadItem(queue[index])]
    }

    /// Image pixels per pixel on screen (the image is decoded at the area's size), at least one.
    var screenPixel: Double {
        guard let item, let shown = image?.image, shown.width > 0, item.size.width > 0 else { return 1 }
        return max(1, (Double(item.size.width) / Double(shown.width)).rounded())
    }

    /// Moves the chosen edge of the selected box, kept inside the image and at least a pixel wide;
    /// shown at once and saved as a moved box.
    mutating func nudge(by delta: Double) -> [ReviewEffect] {
        guard let chosen = selected, let b = chosen.box, let size = item?.size else { return [.notice("no box selected", isError: true)] }
        var (x1, y1, x2, y2) = (b.x, b.y, b.x2, b.y2)
        let w = Double(size.width), h = Double(size.height)
        switch edge {
        case .left: x1 = min(max(0, x1 + delta), x2 - 1)
        case .right: x2 = max(min(w, x2 + delta), x1 + 1)
        case .top: y1 = min(max(0, y1 + delta), y2 - 1)
        case .bottom: y2 = max(min(h, y2 + delta), y1 + 1)
        }
        let moved = Box(x1: x1, y1: y1, x2: x2, y2: y2)
        guard moved != b else { return [] }
        item?.boxes[selectedBox].box = moved
        return decide(.moveBox(annotationId: chosen.annotationId, moved))
    }

    /// Keys typed into the note or the label picker.
    mutating func type(_ key: Key) -> [ReviewEffect] {
        if var text = noteInput {
            switch key {
            case .char(let c): text.append(c)
            case .backspace: if !text.isEmpty { text.removeLast() }
            case .esc, .interrupt:
                noteInput = nil
                return []
            case .enter:
                noteInput = nil
                return decide(.note(text))
            default: break
            }
            noteInput = text
            return []
        }
        guard var picker else { return [] }
        let matches = LabelPicker.matches(picker.query, labels: labels)
        switch key {
        case .char(let c):
            picker.query.append(c)
            picker.selected = 0
        case .backspace:
            if !picker.query.isEmpty { picker.query.removeLast() }
            picker.selected = 0
        case .down, .tab: picker.selected = matches.isEmpty ? 0 : (picker.selected + 1) % matches.count
        case .up, .backtab: picker.selected = matches.isEmpty ? 0 : (picker.selected + matches.count - 1) % matches.count
        case .esc, .interrupt:
            self.picker = nil
            return []
        case .enter:
            self.picker = nil
            guard matches.indices.contains(picker.selected) else { return [.notice("no label matches \(Sanitize.line(picker.query))", isError: true)] }
            return assign(matches[picker.selected])
        default: break
        }
        self.picker = picker
        return []
    }

    /// What came back from the background.
    mutating func receive(_ message: ReviewMessage) -> [ReviewEffect] {
        switch message {
        case .opened(let opened):
            loading = false
            datasetName = opened.name
            type = opened.type
            queue = opened.queue
            position = opened.start
            predicted = opened.predicted
            annotation = opened.annotation
            item = opened.item
            selectedBox = 0
            return opened.item.map { [.loadImage($0.sampleId, $0.imageURL)] } ?? []
        case .openFailed(let text):
            loading = false
            error = text
        case .attributes(let id, let values):
            attributes = StoredAttributes(sampleId: id, values: values)
        case .attributesFailed(let text):
            return [.notice(text, isError: true)]
        case .item(let loaded):
            guard loaded.sampleId == currentID, pending == 0 || item == nil else { return [] }
            return show(loaded)
        case .itemFailed(let id, let text):
            if id == currentID { return [.notice(text, isError: true)] }
        case .image(let decoded):
            if decoded.sampleId == currentID { image = decoded }
        case .decided(let saved):
            pending = max(0, pending - 1)
            var effects: [ReviewEffect] = []
            // While later decisions are on their way, what is on screen is newer than this answer.
            if saved.sampleId == currentID, pending == 0 { effects = show(saved) }
            return effects + quitIfSaved()
        case .refused(let current, let text):
            pending = max(0, pending - 1)
            var effects: [ReviewEffect] = [.notice(text, isError: true)]
            if let current, current.sampleId == currentID, pending == 0 { effects += show(current) }
            return effects + quitIfSaved()
        case .undone(let changed, let redo):
            pending = max(0, pending - 1)
            guard let changed else { return [.notice(redo ? "nothing to redo" : "nothing to undo", isError: false)] + quitIfSaved() }
            if let index = queue.firstIndex(of: changed.sampleId) {
                position = index
            } else {
                // A sample outside this review's filter (decided in another one): shown here all the same.
                queue.insert(changed.sampleId, at: min(position, queue.count))
            }
            if item?.sampleId != changed.sampleId { selectedBox = 0 }
            return [.notice((redo ? "redone: " : "undone: ") + Sanitize.line(changed.path), isError: false)] + show(changed) + quitIfSaved()
        case .undoFailed(let text):
            pending = max(0, pending - 1)
            return [.notice(text, isError: true)] + quitIfSaved()
        case .unreviewed(let ids):
            let open = Set(ids)
            for step in 1...max(1, queue.count) {
                let index = (position + step) % max(1, queue.count)
                if queue.indices.contains(index), open.contains(queue[index]), index != position { return go(to: index) }
            }
            return [.notice(open.contains(currentID ?? -1) ? "this is the only sample nobody has decided about" : "every sample here has a decision", isError: false)]
        case .reveal(let generation):
            if generation == hideGeneration { overlaysHidden = false }
        }
        return []
    }

    /// Puts a sample on screen as the engine gave it; its image is decoded unless it already is.
    private mutating func show(_ shown: ReviewItem) -> [ReviewEffect] {
        item = shown
        selectedBox = min(selectedBox, max(0, shown.boxes.count - 1))
        return image?.sampleId == shown.sampleId ? [] : [.loadImage(shown.sampleId, shown.imageURL)]
    }

    private func quitIfSaved() -> [ReviewEffect] { quitWhenSaved && pending == 0 ? [.quit] : [] }
}
