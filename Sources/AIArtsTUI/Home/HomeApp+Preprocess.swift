import AIArtsEngine
import AIArtsRender
import Foundation

/// The engine calls behind the preprocessing form: the preview (decode, apply, shrink; off the loop,
/// superseded by a newer op list) and the job (progress posted, cancel).
struct PreprocessActions: Sendable {
    var previewer = PreprocessPreviewer()
    /// Starts the job; each update is posted. Returns what cancels it.
    var run: @Sendable (PreprocessRun, @escaping @Sendable (PreprocessMessage) -> Void) -> @Sendable () -> Void

    static let none = PreprocessActions(run: { _, post in
        post(.failed("no engine"))
        return {}
    })
}

/// The preprocessing form inside the Home view: its keys and answers become `PreprocessEffect`s, and
/// those become background work here.
extension HomeApp {
    mutating func typePreprocess(_ key: Key) -> [HomeEffect] {
        guard var form = state.preprocess else { return [] }
        state.notice = nil
        let effects = form.type(key)
        state.preprocess = form
        return effects.map(HomeEffect.preprocess)
    }

    mutating func receivePreprocess(_ message: PreprocessMessage) -> [HomeEffect] {
        guard var form = state.preprocess else {
            // The form was closed while its job ran: the end is still told, and the lists read again.
            switch message {
            case .finished(let text): return [.notice(Notice(text: text, isError: false)), .reload]
            case .failed(let text): return [.notice(Notice(text: text, isError: true)), .reload]
            case .previewed, .progress: return []
            }
        }
        let effects = form.receive(message)
        state.preprocess = form
        return effects.map(HomeEffect.preprocess)
    }

    /// One effect of the form as background work, or a change of state.
    mutating func runPreprocess(_ effect: PreprocessEffect) -> [Command<HomeMessage>] {
        let actions = preprocessActions
        switch effect {
        case .supersede(let generation):
            actions.previewer.supersede(generation)
        case .preview(let request):
            // Superseded here, on the loop, so an older worker stops at its next step.
            actions.previewer.supersede(request.generation)
            let pixels = PreprocessView.previewPixels(state, ops: request.ops.count)
            return [.perform { [previewer = actions.previewer] in
                // A superseded preview answers with the generation only; the form drops it.
                .preprocess(.previewed(previewer.render(request, pixels: pixels) ?? PreprocessPreview(generation: -1)))
            }]
        case .run(let job):
            let run = actions.run
            return [.watch(key: "preprocess-job") { post in run(job) { post(.preprocess($0)) } }]
        case .cancel:
            return [.unwatch(key: "preprocess-job")]
        case .close:
            if case .preprocess? = state.top { _ = state.screens.popLast() }
            actions.previewer.forget()
        case .reload:
            return run([.reload] + (state.datasetScreen.map { [.loadDatasetScreen($0.datasetID)] } ?? []))
        case .notice(let text, let isError):
            state.notice = Notice(text: text, isError: isError)
        }
        return []
    }
}

extension HomeState {
    /// The preprocessing form, when it is on the screen stack.
    var preprocess: PreprocessState? {
        get { screens.lazy.reversed().compactMap { if case .preprocess(let s) = $0 { s } else { nil } }.first }
        set {
            guard let index = screens.lastIndex(where: { if case .preprocess = $0 { true } else { false } }) else {
                if let newValue { screens.append(.preprocess(newValue)) }
                return
            }
            if let newValue { screens[index] = .preprocess(newValue) } else { screens.remove(at: index) }
        }
    }
}

extension PreprocessActions {
    /// Over a real workspace: `Workspace.preprocessDataset` (the same job as `aiarts dataset preprocess`),
    /// its progress posted as it comes, its end told in one line.
    static func engine(_ workspace: Workspace) -> PreprocessActions {
        PreprocessActions(run: { request, post in
            let job: ImportJob
            do {
                let ops = try PreprocessOp.parse(request.ops)
                job = try workspace.preprocessDataset(request.datasetID, ops: ops, mode: request.into.map(PreprocessMode.into) ?? .add,
                                                      onProgress: { post(.progress(done: $0.done, total: $0.total)) })
            } catch {
                post(.failed(Sanitize.line("\(AIArtsError.plain(error))")))
                return {}
            }
            Thread.detachNewThread {
                do {
                    let result = try job.wait()
                    post(.finished(Sanitize.line(result.message)))
                } catch {
                    post(.failed(Sanitize.line("\(AIArtsError.plain(error))")))
                }
            }
            return { job.cancel() }
        })
    }
}
