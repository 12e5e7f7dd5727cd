import AIArtsEngine
import AIArtsRender

/// The dataset screen: which dataset, its records, the files' filter and selection, the preview.
struct DatasetScreenState: Equatable, Sendable {
    var datasetID: String
    var data: DatasetScreenData?
    var filter = DatasetFilter()
    var files = ListCursor()
    var preview: Preview?
    /// The selected image as an inference service predicted it (ServiceActions.swift), drawn over it.
    var prediction: ImagePrediction?

    init(datasetID: String) { self.datasetID = datasetID }

    /// The files that pass the filter.
    var filteredSamples: [DatasetScreenData.Sample] { (data?.samples ?? []).filter(filter.matches) }

    var selectedSample: DatasetScreenData.Sample? {
        let files = filteredSamples
        return self.files.selected < files.count ? files[self.files.selected] : nil
    }

    /// What an action does on the dataset screen; nil for those it leaves to the app.
    mutating func update(_ action: Action, in home: HomeState) -> [HomeEffect]? {
        switch action {
        case .moveUp: return move(-1, in: home)
        case .moveDown: return move(1, in: home)
        case .pageUp: return move(-max(1, Self.fileRows(home.size) - 1), in: home)
        case .pageDown: return move(max(1, Self.fileRows(home.size) - 1), in: home)
        case .first: return move(-Int.max / 2, in: home)
        case .last: return move(Int.max / 2, in: home)
        case .filterLabel:
            let next = (filter.label ?? -1) + 1
            filter.label = next < (data?.labels.count ?? 0) ? next : nil
            files = ListCursor()
            return previewEffect(in: home)
        case .filterSplit:
            let splits = Split.allCases.map(\.rawValue)
            let next = filter.split.flatMap { splits.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
            filter.split = next < splits.count ? splits[next] : nil
            files = ListCursor()
            return previewEffect(in: home)
        case .importData, .splitData, .exportData:
            guard let data else { return [] }
            return [.form(action == .importData ? .importData(data.id, type: data.type)
                : action == .splitData ? .splitData(data.id) : .exportData(data.id, type: data.type))]
        case .review:
            // Review its files under the label and split filter shown.
            let labels = data?.labels ?? []
            let label = filter.label.flatMap { labels.indices.contains($0) ? labels[$0] : nil }
            return [.openReview(ReviewRequest(datasetID: datasetID, label: label, split: filter.split.flatMap(Split.init(rawValue:))))]
        case .predictImage:
            return predictEffects(in: home)
        case .preprocessData:
            guard let data else { return [] }
            return PreprocessState.open(data, sample: selectedSample)
        default: return nil
        }
    }

    mutating func move(_ delta: Int, in home: HomeState) -> [HomeEffect] {
        let before = selectedSample?.path
        files.move(by: delta, count: filteredSamples.count, visible: Self.fileRows(home.size))
        return selectedSample?.path != before ? previewEffect(in: home) : []
    }

    /// Rows of the files table at a terminal size, from the layout the view uses.
    static func fileRows(_ size: Size) -> Int {
        max(1, DatasetScreen.layout(Rect(x: 0, y: 0, width: size.width, height: max(0, size.height - 2))).files.height - 3)
    }

    /// Decodes the selected file for the preview, at the size its area has now.
    func previewEffect(in home: HomeState) -> [HomeEffect] {
        guard let sample = selectedSample, let folder = data?.folder else { return [] }
        let area = DatasetScreen.layout(Rect(x: 0, y: 1, width: home.size.width, height: max(0, home.size.height - 2))).image.inset(by: 1)
        return [.loadPreview(sample, folder: folder, pixels: home.imagePixels(area))]
    }
}
