import AIArtsEngine
import AIArtsRender
import Foundation

/// The review screen inside the Home view: opening it, and turning its effects into background work
/// (every engine call and every image decode runs off the loop).
extension HomeApp {
    /// Opens the review screen over `request`; the queue is read in the background.
    mutating func openReview(_ request: ReviewRequest) -> [Command<HomeMessage>] {
        state.review = ReviewState(request: request)
        state.showHelp = false
        return [openReviewCommand(request)]
    }

    func openReviewCommand(_ request: ReviewRequest) -> Command<HomeMessage> {
        let open = reviewActions.open
        return .perform { .review(open(request)) }
    }

    /// `r` on the dataset screen: review its files under the label and split filter shown.
    mutating func openReviewFromDataset() -> [Command<HomeMessage>] {
        guard let id = state.openDatasetID else { return [] }
        let labels = state.datasetScreen?.labels ?? []
        let label = state.datasetFilter.label.flatMap { labels.indices.contains($0) ? labels[$0] : nil }
        return openReview(ReviewRequest(datasetID: id, label: label, split: state.datasetFilter.split.flatMap(Split.init(rawValue:))))
    }

    /// An action in the review context; nil when the Home view handles it (help, command line, quit).
    mutating func performReview(_ action: Action) -> [Command<HomeMessage>]? {
        // Another screen asked for from the command line (`:gpu`) leaves the review; its decisions are saved.
        if action == .gpuScreen || action == .modelsScreen {
            state.review = nil
            return nil
        }
        if action == .editAttributes { return editAttributes() }
        guard var review = state.review, let effects = review.perform(action) else { return nil }
        state.review = review
        return run(effects)
    }

    /// `t`: a form of the sample's attributes under the batch's annotation task.
    mutating func editAttributes() -> [Command<HomeMessage>] {
        guard let review = state.review, let item = review.item else { return [] }
        guard let task = review.annotation else {
            state.notice = Notice(text: "attributes belong to annotation tasks: review a batch (aiarts review open \(review.request.datasetID) --batch N)", isError: true)
            return []
        }
        let fields = review.attributeFields
        guard !fields.isEmpty else {
            state.notice = Notice(text: "\(task.id)'s formatter has no attributes for this sample's tags", isError: true)
            return []
        }
        state.fieldForm = .attributes(taskID: task.id, sampleID: item.sampleId, fields)
        return []
    }

    /// Saves the attributes a form changed, then shows them as stored.
    func saveAttributes(taskID: String, sampleID: Int64, _ fields: [AttributeField]) -> [Command<HomeMessage>] {
        let set = reviewActions.setAttributes
        return [.perform { .review(set(taskID, sampleID, fields)) }]
    }

    mutating func typeReview(_ key: Key) -> [Command<HomeMessage>] {
        guard var review = state.review else { return [] }
        state.notice = nil
        let effects = review.type(key)
        state.review = review
        return run(effects)
    }

    mutating func receiveReview(_ message: ReviewMessage) -> [Command<HomeMessage>] {
        guard var review = state.review else { return [] }
        let effects = review.receive(message)
        // Reviewing an annotation batch: each sample's attributes are read once it is shown.
        var commands: [Command<HomeMessage>] = []
        if review.annotation != nil, let id = review.item?.sampleId, review.attributesAsked != id {
            review.attributesAsked = id
            let read = reviewActions.attributes
            commands.append(.perform { .review(read(id)) })
        }
        state.review = review
        return run(effects) + commands
    }

    /// After a resize: the image again at the new size, when its area changed.
    func reviewResized() -> [Command<HomeMessage>] {
        guard let review = state.review, let item = review.item else { return [] }
        let (w, h) = reviewImagePixels
        if let image = review.image, image.sampleId == item.sampleId, image.width == w, image.height == h { return [] }
        return [imageCommand(item.sampleId, item.imageURL)]
    }

    /// The image area's size in pixels (half blocks: two a cell row), from the layout the view uses.
    var reviewImagePixels: (width: Int, height: Int) {
        let body = Rect(x: 0, y: 1, width: state.size.width, height: max(0, state.size.height - 2))
        return state.imagePixels(ReviewScreen.layout(body).image.inset(by: 1))
    }

    func imageCommand(_ id: Int64, _ url: URL) -> Command<HomeMessage> {
        let decode = reviewActions.image, (w, h) = reviewImagePixels
        return .perform { .review(decode(id, url, w, h)) }
    }

    private mutating func run(_ effects: [ReviewEffect]) -> [Command<HomeMessage>] {
        guard let request = state.review?.request else { return [] }
        let actions = reviewActions
        var commands: [Command<HomeMessage>] = []
        for effect in effects {
            switch effect {
            case .decide(let id, let decision):
                commands.append(.perform { .review(actions.decide(request, id, decision)) })
            case .loadItem(let id):
                commands.append(.perform { .review(actions.item(request, id)) })
            case .loadImage(let id, let url):
                commands.append(imageCommand(id, url))
            case .undo(let redo):
                commands.append(.perform { .review(actions.undo(request, redo)) })
            case .findUnreviewed:
                commands.append(.perform { .review(actions.unreviewed(request)) })
            case .hideTimer(let generation, let seconds):
                // A timer, not a sleeping job: the background queue stays free for decisions, and a
                // new press replaces the timer (the watch under the same key is stopped first).
                commands.append(.watch(key: "review-hide") { post in
                    let timer = OneShotTimer(after: seconds) { post(.review(.reveal(generation))) }
                    return { timer.cancel() }
                })
            case .notice(let text, let isError):
                state.notice = Notice(text: text, isError: isError)
            case .close:
                state.review = nil
                commands.append(.unwatch(key: "review-hide"))
            case .quit:
                commands.append(.quit)
            }
        }
        return commands
    }
}

/// Calls `fire` once after `seconds` on a global queue, unless cancelled first. A dispatch timer: no
/// thread sleeps and nothing polls.
final class OneShotTimer: @unchecked Sendable {
    private let timer: DispatchSourceTimer

    init(after seconds: Double, _ fire: @escaping @Sendable () -> Void) {
        timer = DispatchSource.makeTimerSource(queue: .global(qos: .userInitiated))
        timer.schedule(deadline: .now() + seconds)
        timer.setEventHandler(handler: fire)
        timer.resume()
    }

    func cancel() { timer.cancel() }
}
