import AIArtsEngine
import AIArtsRender
import Foundation

/// The review screen inside the Home view: its keys and answers become `ReviewEffect`s, and those
/// become background work here (every engine call and every image decode runs off the loop).
extension HomeApp {
    /// Opens the review screen over `request` (`aiarts review open`, tests); its queue is read in the background.
    mutating func openReview(_ request: ReviewRequest) -> [Command<HomeMessage>] { run([.openReview(request)]) }

    func openReviewCommand(_ request: ReviewRequest) -> Command<HomeMessage> {
        let open = reviewActions.open
        return .perform { .review(open(request)) }
    }

    /// `t`: a form of the sample's attributes under the batch's annotation task.
    mutating func editAttributes() -> [HomeEffect] {
        guard let review = state.review, let item = review.item else { return [] }
        guard let task = review.annotation else {
            return [.notice(Notice(text: "attributes belong to annotation tasks: review a batch (aiarts review open \(review.request.datasetID) --batch N)", isError: true))]
        }
        let fields = review.attributeFields
        guard !fields.isEmpty else {
            return [.notice(Notice(text: "\(task.id)'s formatter has no attributes for this sample's tags", isError: true))]
        }
        return [.form(.attributes(taskID: task.id, sampleID: item.sampleId, fields))]
    }

    mutating func typeReview(_ key: Key) -> [HomeEffect] {
        guard var review = state.review else { return [] }
        state.notice = nil
        let effects = review.type(key)
        state.review = review
        return effects.map(HomeEffect.review)
    }

    mutating func receiveReview(_ message: ReviewMessage) -> [HomeEffect] {
        guard var review = state.review else { return [] }
        var effects = review.receive(message).map(HomeEffect.review)
        // Reviewing an annotation batch: each sample's attributes are read once it is shown.
        if review.annotation != nil, let id = review.item?.sampleId, review.attributesAsked != id {
            review.attributesAsked = id
            effects.append(.review(.loadAttributes(id)))
        }
        state.review = review
        return effects
    }

    /// The image area's size in pixels (half blocks: two a cell row), from the layout the view uses.
    var reviewImagePixels: Size {
        let body = Rect(x: 0, y: 1, width: state.size.width, height: max(0, state.size.height - 2))
        return state.imagePixels(ReviewScreen.layout(body).image.inset(by: 1))
    }

    func imageCommand(_ id: Int64, _ url: URL) -> Command<HomeMessage> {
        let decode = reviewActions.image, pixels = reviewImagePixels
        return .perform { .review(decode(id, url, pixels.width, pixels.height)) }
    }

    /// One review effect as background work (or, for a notice or closing, a change of state).
    mutating func runReview(_ effect: ReviewEffect) -> [Command<HomeMessage>] {
        guard let request = state.review?.request else { return [] }
        let actions = reviewActions
        switch effect {
        case .decide(let id, let decision):
            return [.perform { .review(actions.decide(request, id, decision)) }]
        case .loadItem(let id):
            return [.perform { .review(actions.item(request, id)) }]
        case .loadImage(let id, let url):
            // After a resize the image is decoded again only when its area changed.
            if let image = state.review?.image, image.sampleId == id, image.width == reviewImagePixels.width,
               image.height == reviewImagePixels.height { return [] }
            return [imageCommand(id, url)]
        case .loadAttributes(let id):
            return [.perform { .review(actions.attributes(id)) }]
        case .undo(let redo):
            return [.perform { .review(actions.undo(request, redo)) }]
        case .findUnreviewed:
            return [.perform { .review(actions.unreviewed(request)) }]
        case .hideTimer(let generation, let seconds):
            // A timer, not a sleeping job: the background queue stays free for decisions, and a
            // new press replaces the timer (the watch under the same key is stopped first).
            return [.watch(key: "review-hide") { post in
                let timer = OneShotTimer(after: seconds) { post(.review(.reveal(generation))) }
                return { timer.cancel() }
            }]
        case .notice(let text, let isError):
            state.notice = Notice(text: text, isError: isError)
            return []
        case .close:
            state.review = nil
            return [.unwatch(key: "review-hide")]
        case .quit:
            return [.quit]
        }
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
