import AIArtsEngine
import AIArtsImaging
import AIArtsRender
import Foundation
import Synchronization

/// What the UI asks the engine to do to inference services; each runs on the background queue.
public struct ServiceActions: Sendable {
    /// Serves a model ("M0001" or "M0001:v2") with the defaults; the notice says the new id.
    public var create: @Sendable (String) -> Notice
    public var stop: @Sendable (String) -> Notice
    public var remove: @Sendable (String) -> Notice
    /// Predicts one image through a service: the image's full path, the service chosen in the
    /// Models screen (nil: the only ready one), the preview's pixel size.
    public var predict: @Sendable (_ path: String, _ fullPath: String, _ chosen: String?, Size) -> ImagePrediction

    public init(create: @escaping @Sendable (String) -> Notice = { _ in Notice(text: "no engine", isError: true) },
                stop: @escaping @Sendable (String) -> Notice = { _ in Notice(text: "no engine", isError: true) },
                remove: @escaping @Sendable (String) -> Notice = { _ in Notice(text: "no engine", isError: true) },
                predict: @escaping @Sendable (String, String, String?, Size) -> ImagePrediction = { path, _, _, _ in
                    ImagePrediction(path: path, service: nil, error: "no engine")
                }) {
        self.create = create; self.stop = stop; self.remove = remove; self.predict = predict
    }

    public static let none = ServiceActions()

    /// The engine's calls: create, stop and remove as `aiarts infer create|stop|rm` do them.
    public static func engine(_ workspace: Workspace) -> ServiceActions {
        ServiceActions(
            create: { model in
                do {
                    let service = try workspace.createInferenceService(InferenceServiceSpec(model: model))
                    return Notice(text: "\(service.id) is starting for \(service.modelReference) (\(service.backend.rawValue)); it shows ready once warmed up",
                                  isError: false)
                } catch {
                    return Notice(text: Sanitize.line("cannot serve \(model): \(AIArtsError.plain(error))"), isError: true)
                }
            },
            stop: { id in
                do {
                    let service = try workspace.stopInferenceService(id)
                    return Notice(text: Sanitize.line("\(service.id) \(service.state.rawValue)"), isError: false)
                } catch {
                    return Notice(text: Sanitize.line("cannot stop \(id): \(AIArtsError.plain(error))"), isError: true)
                }
            },
            remove: { id in
                do {
                    try workspace.removeInferenceService(id, force: true)
                    return Notice(text: "\(id) removed", isError: false)
                } catch {
                    return Notice(text: Sanitize.line("cannot remove \(id): \(AIArtsError.plain(error))"), isError: true)
                }
            },
            predict: { path, fullPath, chosen, pixels in
                ImagePrediction.run(path: path, fullPath: fullPath, chosen: chosen, pixels: pixels, workspace: workspace)
            })
    }
}

/// A dataset image predicted through a service, for the dataset screen to draw over the image:
/// boxes in the image's own pixels, the classes as a line, masks blended into a copy of the image
/// decoded at the preview's size.
public struct ImagePrediction: Equatable, Sendable {
    public struct Box: Equatable, Sendable {
        public var x1: Double, y1: Double, x2: Double, y2: Double
        public var label: String
        public var score: Double
        public var index: Int
    }
    /// The sample's path (the dataset screen keeps it only while that file is selected).
    public var path: String
    public var service: String?
    /// The image's size as the service decoded it (what the boxes refer to).
    public var width = 0, height = 0
    /// "S0001: circle 0.98 · square 0.01", "S0001: 3 boxes", "S0001: 2 masks: person 1200 px …".
    public var summary = ""
    public var boxes: [Box] = []
    /// The preview with the masks blended in (segmentation only).
    public var image: PixelImage?
    public var error: String?

    public init(path: String, service: String?, width: Int = 0, height: Int = 0, summary: String = "", boxes: [Box] = [],
                image: PixelImage? = nil, error: String? = nil) {
        self.path = path; self.service = service; self.width = width; self.height = height; self.summary = Sanitize.line(summary)
        self.boxes = boxes; self.image = image; self.error = error.map(Sanitize.line)
    }

    /// The boxes at the size of a shown image (`shownWidth` × `shownHeight` pixels), labelled with their scores.
    func imageBoxes(shownWidth: Int, shownHeight: Int) -> [ImageBox] {
        let sx = Double(shownWidth) / Double(max(1, width)), sy = Double(shownHeight) / Double(max(1, height))
        let colors: [Color] = [.yellow, .cyan, .magenta, .green, .red, .blue]
        return boxes.map { b in
            ImageBox(x: b.x1 * sx, y: b.y1 * sy, width: max(0, b.x2 - b.x1) * sx, height: max(0, b.y2 - b.y1) * sy,
                     label: "\(b.label) \(String(format: "%.2f", b.score))", color: colors[abs(b.index) % colors.count])
        }
    }

    /// Chooses the service, sends the image, and shapes the answer (background queue; blocks on the request).
    static func run(path: String, fullPath: String, chosen: String?, pixels: Size, workspace: Workspace) -> ImagePrediction {
        let service: String
        switch ServicesData.load(from: workspace).serviceForPrediction(chosen: chosen) {
        case .success(let id): service = id
        case .failure(let refusal): return ImagePrediction(path: path, service: nil, error: refusal.text)
        }
        let url = URL(fileURLWithPath: fullPath)
        let answer = Mutex<Result<[Prediction], any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                let result = try await workspace.predict(service: service, images: [url])
                answer.withLock { $0 = .success(result) }
            } catch {
                answer.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        let predictions: [Prediction]
        do { predictions = try answer.withLock { $0 }!.get() } catch {
            return ImagePrediction(path: path, service: service, error: "\(service): \(AIArtsError.plain(error))")
        }
        guard let p = predictions.first else { return ImagePrediction(path: path, service: service, error: "\(service) answered with nothing") }
        if let error = p.error { return ImagePrediction(path: path, service: service, error: "\(service): \(error)") }
        return shaped(p, path: path, service: service, fullPath: fullPath, pixels: pixels)
    }

    /// A service's answer as the dataset screen draws it.
    static func shaped(_ p: Prediction, path: String, service: String, fullPath: String, pixels: Size) -> ImagePrediction {
        let score = { (value: Double) in String(format: "%.2f", value) }
        var summary = "\(service): "
        if !p.classes.isEmpty {
            summary += p.classes.prefix(3).map { "\($0.label) \(score($0.score))" }.joined(separator: " · ")
        } else if !p.masks.isEmpty {
            summary += "\(p.masks.count) masks: " + p.masks.prefix(3).map { "\($0.label) \($0.pixels) px" }.joined(separator: ", ")
        } else {
            summary += p.boxes.isEmpty ? "nothing found" : "\(p.boxes.count) boxes: " + p.boxes.prefix(3).map { "\($0.label) \(score($0.score))" }.joined(separator: ", ")
        }
        if let latency = p.latencyMs { summary += String(format: " · %.1f ms", latency) }
        let boxes = p.boxes.compactMap { b -> Box? in
            guard b.box.count == 4, b.box.allSatisfy(\.isFinite) else { return nil }
            return Box(x1: b.box[0], y1: b.box[1], x2: b.box[2], y2: b.box[3], label: Sanitize.line(b.label), score: b.score, index: b.index ?? 0)
        }
        var image: PixelImage?
        if !p.masks.isEmpty, let shown = try? Preview.decode(fullPath: fullPath, width: pixels.width, height: pixels.height) {
            var annotator = Annotator(image: RGBImage(width: shown.width, height: shown.height, pixels: shown.rgb))
            annotator.overlayMask(maskImage(p.masks, width: shown.width, height: shown.height), alpha: 0.5, skip: [255])
            image = PixelImage(width: shown.width, height: shown.height, rgb: annotator.image.pixels)
        }
        return ImagePrediction(path: path, service: service, width: p.width, height: p.height, summary: summary, boxes: boxes, image: image)
    }

    /// The masks painted at `width` × `height` as class indices (255 where none), each pixel taking
    /// its nearest pixel of the mask; later masks paint over earlier ones; a malformed mask is skipped.
    static func maskImage(_ masks: [Prediction.Mask], width: Int, height: Int) -> IndexedImage {
        var values = [UInt8](repeating: 255, count: width * height)
        for mask in masks {
            guard mask.rle.size.count == 2 else { continue }
            let mh = mask.rle.size[0], mw = mask.rle.size[1]
            guard mh > 0, mw > 0, mh * mw <= 100_000_000, mask.rle.counts.reduce(0, { $0 &+ max(0, $1) }) <= mh * mw else { continue }
            // Column-major runs, background first: expand once, then sample.
            var full = [Bool](repeating: false, count: mh * mw)
            var at = 0, on = false
            for run in mask.rle.counts {
                let end = min(full.count, at + max(0, run))
                if on { for i in at..<end { full[i] = true } }
                at = end
                on.toggle()
            }
            let value = UInt8(clamping: max(0, min(254, mask.index)))
            for y in 0..<height {
                let my = min(mh - 1, y * mh / max(1, height))
                for x in 0..<width {
                    let mx = min(mw - 1, x * mw / max(1, width))
                    if full[mx * mh + my] { values[y * width + x] = value }
                }
            }
        }
        return IndexedImage(width: width, height: height, values: values)
    }
}

extension DatasetScreenState {
    /// Predicts the selected image through a service, at the size its preview has now.
    func predictEffects(in home: HomeState) -> [HomeEffect] {
        guard let sample = selectedSample, let folder = data?.folder else { return [] }
        let area = DatasetScreen.layout(Rect(x: 0, y: 1, width: home.size.width, height: max(0, home.size.height - 2))).image.inset(by: 1)
        let full = URL(fileURLWithPath: folder).appendingPathComponent(sample.storedPath).path
        return [.notice(Notice(text: "predicting \(sample.path)…", isError: false)),
                .predictImage(path: sample.path, fullPath: full, pixels: home.imagePixels(area))]
    }
}
