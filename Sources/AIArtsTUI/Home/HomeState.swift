import AIArtsRender

/// The panes of the Home view that can take focus, in Tab order.
public enum HomePane: CaseIterable, Sendable {
    case datasets, detail, projects

    var next: HomePane { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
    var previous: HomePane { Self.allCases[(Self.allCases.firstIndex(of: self)! + Self.allCases.count - 1) % Self.allCases.count] }
}

public struct HomeState: Equatable, Sendable {
    /// nil until the first load finishes.
    public var data: HomeData?
    public var loading = false
    /// The last load's error, sanitized, shown in the footer until the next successful load.
    public var error: String?
    public var focus: HomePane = .datasets
    public var datasets = ListCursor()
    public var projects = ListCursor()
    public var labels = ListCursor()
    public var showHelp = false
    public var size = Size(width: 80, height: 24)
    /// Draw with ASCII only (the locale is not UTF-8).
    public var ascii = false

    public init(data: HomeData? = nil, ascii: Bool = false) { self.data = data; self.ascii = ascii }

    public var selectedDataset: DatasetRow? {
        guard let rows = data?.datasets, datasets.selected < rows.count else { return nil }
        return rows[datasets.selected]
    }
}
