import Foundation

/// A model version named for a comparison: `M0001` (its newest version) or `M0001:v2` / `M0001:2`.
public struct ModelVersionRef: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var model: String
    /// nil: the newest version.
    public var version: Int?

    public init(model: String, version: Int? = nil) {
        self.model = model; self.version = version
    }

    /// Reads `M0001`, `m1`, `M0001:v2` or `M0001:2`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let id = parts[0].uppercased()
        guard RecordKind.of(id: id) == .model else {
            throw AIArtsError(.invalidArgument, "'\(text.prefix(100))' is not a model; name one as M0001 or M0001:v2 (see `aiarts model list`)")
        }
        model = id
        version = parts.count == 2 ? try Workspace.parseModelVersion(parts[1]) : nil
    }

    public var description: String { version.map { "\(model):v\($0)" } ?? model }
}

/// Where a version's evaluation came from, so that only figures scored on the same data are set
/// side by side as comparable.
public struct EvaluationBasis: Codable, Sendable, Equatable {
    public enum Source: String, Codable, Sendable {
        /// The engine scored the version's checkpoint (`aiarts task eval`, kept in the task's eval/).
        case engine
        /// The trainer's own validation metrics at that epoch, recorded when it was registered.
        case trainer
        /// Numbers that came with an upload: the data they were measured on is not known.
        case given
        /// No evaluation at all.
        case none
    }

    public var source: Source
    /// The dataset scored on, when known.
    public var dataset: String?
    /// train, val or test, when known.
    public var split: String?
    /// Samples in that split at the time, when the engine scored it.
    public var samples: Int?

    /// "D0001/val (120 samples)", "unknown data", "none".
    public var label: String {
        switch source {
        case .none: return "none"
        case .given: return "unknown data (given with the upload)"
        case .engine, .trainer:
            guard let dataset else { return "unknown dataset (its task is gone)" }
            return "\(dataset)/\(split ?? "?")" + (samples.map { " (\($0) samples)" } ?? "")
        }
    }

    enum CodingKeys: String, CodingKey { case source, dataset, split, samples, label }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(split, forKey: .split)
        try c.encode(samples, forKey: .samples)
        try c.encode(label, forKey: .label)
    }

    public init(source: Source, dataset: String? = nil, split: String? = nil, samples: Int? = nil) {
        self.source = source; self.dataset = dataset; self.split = split; self.samples = samples
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(Source.self, forKey: .source)
        dataset = try c.decodeIfPresent(String.self, forKey: .dataset)
        split = try c.decodeIfPresent(String.self, forKey: .split)
        samples = try c.decodeIfPresent(Int.self, forKey: .samples)
    }
}

/// One compared version: what the registry knows, the evaluation and its basis, the parameter
/// count and the measured latency (each with the reason when it is missing).
public struct ModelComparisonEntry: Encodable, Sendable, Equatable {
    public var model: String
    public var version: Int
    public var name: String
    public var kind: String
    public var type: String?
    public var trainer: String?
    public var format: String
    public var size: Int64
    /// The task the version came from, and its epoch.
    public var task: String?
    public var epoch: Int?
    /// The derived task's parent (`task create --from`), when the source task is a derived one.
    public var parentTask: String?
    public var evaluation: [String: Double]
    public var basis: EvaluationBasis
    public var parameters: Int?
    public var parametersNote: String?
    public var latency: ModelLatency?
    public var latencyNote: String?

    /// "M0001 v2".
    public var label: String { "\(model) v\(version)" }

    enum CodingKeys: String, CodingKey {
        case model, version, label, name, kind, type, trainer, format, size, task, epoch, parentTask = "parent_task"
        case evaluation, basis, parameters, parametersNote = "parameters_note", latency, latencyNote = "latency_note"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(version, forKey: .version)
        try c.encode(label, forKey: .label)
        try c.encode(name, forKey: .name)
        try c.encode(kind, forKey: .kind)
        try c.encode(type, forKey: .type)
        try c.encode(trainer, forKey: .trainer)
        try c.encode(format, forKey: .format)
        try c.encode(size, forKey: .size)
        try c.encode(task, forKey: .task)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(parentTask, forKey: .parentTask)
        try c.encode(evaluation, forKey: .evaluation)
        try c.encode(basis, forKey: .basis)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(parametersNote, forKey: .parametersNote)
        try c.encode(latency, forKey: .latency)
        try c.encode(latencyNote, forKey: .latencyNote)
    }
}

/// One row of the comparison table: a value per compared version, and which are best.
public struct ModelComparisonRow: Encodable, Sendable, Equatable {
    public enum Group: String, Encodable, Sendable { case metric, size, parameters, latency, format, task, parent, basis }
    public enum Better: String, Encodable, Sendable { case higher, lower }
    public enum Value: Sendable, Equatable {
        case number(Double)
        case text(String)
        /// Nothing to show; the reason, when there is one.
        case missing(String?)

        public var number: Double? { if case .number(let v) = self { return v }; return nil }
    }

    public var name: String
    public var group: Group
    public var values: [Value]
    /// nil for rows where no value is better (format, task).
    public var better: Better?
    /// Indexes of the best values; empty when they are all equal, fewer than two are known, or
    /// the metrics were not scored on the same data.
    public var best: [Int]

    enum CodingKeys: String, CodingKey { case name, group, values, better, best, notes }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(group, forKey: .group)
        var values = c.nestedUnkeyedContainer(forKey: .values)
        for value in self.values {
            switch value {
            case .number(let v): try values.encode(v)
            case .text(let t): try values.encode(t)
            case .missing: try values.encodeNil()
            }
        }
        try c.encode(better, forKey: .better)
        try c.encode(best, forKey: .best)
        try c.encode(self.values.map { if case .missing(let r) = $0 { return r }; return nil }, forKey: .notes)
    }
}

/// Model versions side by side (`aiarts model compare`, the UI's compare view, the Django
/// dialect's `/models/compare/`): evaluation metrics, size, parameters, latency, format, source
/// task and its parent. `comparable` is false when the evaluations were not all scored on the same
/// dataset split; `warnings` say why, and no metric row then marks a best value.
public struct ModelComparison: Encodable, Sendable, Equatable {
    public var split: String
    public var entries: [ModelComparisonEntry]
    /// Every metric name any entry has, sorted.
    public var metrics: [String]
    public var comparable: Bool
    public var warnings: [String]
    public var rows: [ModelComparisonRow]

    enum CodingKeys: String, CodingKey { case split, models, metrics, comparable, warnings, rows }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(split, forKey: .split)
        try c.encode(entries, forKey: .models)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(comparable, forKey: .comparable)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(rows, forKey: .rows)
    }
}

/// At most this many versions are compared at once.
public let modelComparisonLimit = 20

extension ModelComparison {
    /// Whether a lower value of this metric is better: losses and errors.
    static func lowerIsBetter(_ metric: String) -> Bool {
        let name = metric.lowercased()
        return name.contains("loss") || name.contains("error") || name.hasSuffix("_err") || name.contains("latency")
    }

    /// The best indexes among known numbers: empty when fewer than two are known or all are equal.
    static func best(_ values: [ModelComparisonRow.Value], better: ModelComparisonRow.Better) -> [Int] {
        let known = values.enumerated().compactMap { i, v in v.number.flatMap { $0.isFinite ? (i, $0) : nil } }
        guard known.count >= 2 else { return [] }
        let top = better == .higher ? known.map(\.1).max()! : known.map(\.1).min()!
        let winners = known.filter { $0.1 == top }.map(\.0)
        return winners.count == known.count ? [] : winners
    }

    /// Builds the rows and the verdict from the entries (pure: tests call it directly).
    static func assemble(_ entries: [ModelComparisonEntry], split: String) -> ModelComparison {
        let metrics = Set(entries.flatMap { $0.evaluation.keys }).sorted()
        let (comparable, warnings) = verdict(entries)
        var rows: [ModelComparisonRow] = []
        for metric in metrics {
            let values = entries.map { e -> ModelComparisonRow.Value in
                e.evaluation[metric].map { .number($0) } ?? .missing(e.evaluation.isEmpty ? "not evaluated" : "no \(metric)")
            }
            let better: ModelComparisonRow.Better = lowerIsBetter(metric) ? .lower : .higher
            rows.append(.init(name: metric, group: .metric, values: values, better: better,
                              best: comparable ? best(values, better: better) : []))
        }
        if !entries.isEmpty {
            rows.append(.init(name: "evaluated on", group: .basis, values: entries.map { .text($0.basis.label) }, better: nil, best: []))
        }
        func numeric(_ name: String, _ group: ModelComparisonRow.Group, _ value: (ModelComparisonEntry) -> ModelComparisonRow.Value) {
            let values = entries.map(value)
            rows.append(.init(name: name, group: group, values: values, better: .lower, best: best(values, better: .lower)))
        }
        numeric("size", .size) { .number(Double($0.size)) }
        numeric("parameters", .parameters) { e in e.parameters.map { .number(Double($0)) } ?? .missing(e.parametersNote) }
        numeric("latency ms", .latency) { e in e.latency?.msPerImage.map { .number($0) } ?? .missing(e.latencyNote) }
        rows.append(.init(name: "format", group: .format, values: entries.map { .text($0.format) }, better: nil, best: []))
        rows.append(.init(name: "task", group: .task, values: entries.map { e in
            e.task.map { t in .text(e.epoch.map { "\(t) epoch \($0)" } ?? t) } ?? .missing("uploaded")
        }, better: nil, best: []))
        rows.append(.init(name: "parent task", group: .parent, values: entries.map { e in
            e.parentTask.map { .text($0) } ?? .missing(e.task == nil ? nil : "not derived")
        }, better: nil, best: []))
        return ModelComparison(split: split, entries: entries, metrics: metrics, comparable: comparable, warnings: warnings, rows: rows)
    }

    /// Whether every evaluated entry was scored on one dataset split, and if not, why not.
    static func verdict(_ entries: [ModelComparisonEntry]) -> (Bool, [String]) {
        let evaluated = entries.filter { $0.basis.source != .none && !$0.evaluation.isEmpty }
        var warnings: [String] = []
        let unknown = evaluated.filter { $0.basis.dataset == nil || $0.basis.split == nil }
        for e in unknown {
            warnings.append(e.basis.source == .given
                ? "\(e.label)'s evaluation came with its upload: the data it was scored on is unknown"
                : "\(e.label)'s evaluation came from \(e.task ?? "a task") that no longer exists: its dataset is unknown")
        }
        let known = evaluated.filter { $0.basis.dataset != nil && $0.basis.split != nil }
        let groups = Dictionary(grouping: known) { "\($0.basis.dataset!)/\($0.basis.split!)" }
        if groups.count > 1 {
            let listed = groups.keys.sorted().map { key in "\(groups[key]!.map(\.label).joined(separator: ", ")) on \(key)" }
            warnings.append("evaluated on different data (\(listed.joined(separator: "; "))): these metrics do not compare")
        }
        for (key, group) in groups.sorted(by: { $0.key < $1.key }) {
            let counts = Set(group.compactMap(\.basis.samples))
            if counts.count > 1 {
                warnings.append("\(key) changed between evaluations (\(counts.sorted().map(String.init).joined(separator: " vs ")) samples): re-evaluate with `aiarts task eval`")
            }
        }
        if evaluated.count < entries.count && evaluated.count > 0 {
            let missing = entries.filter { $0.basis.source == .none || $0.evaluation.isEmpty }.map(\.label)
            warnings.append("\(missing.joined(separator: ", ")) \(missing.count == 1 ? "has" : "have") no evaluation")
        }
        let metricWarnings = !unknown.isEmpty || groups.count > 1 || warnings.contains { $0.contains("changed between") }
        return (!metricWarnings, warnings)
    }
}
