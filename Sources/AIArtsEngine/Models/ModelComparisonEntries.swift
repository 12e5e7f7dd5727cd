import Foundation

extension Workspace {
    /// Model versions side by side (docs/models.md, "Comparing models"). A reference without a
    /// version means the newest one; a single model named alone compares all its versions. With
    /// `measure`, each version is timed first (`measureModelLatency`) and a failure becomes that
    /// version's latency note, not an error. Refused: fewer than two versions, more than
    /// `modelComparisonLimit`, the same version twice, an unknown model or version.
    public func compareModels(_ refs: [ModelVersionRef], split: Split = .val, measure: Bool = false,
                              runs: Int = ModelLatency.defaultRuns) throws -> ModelComparison {
        let versions = try comparedVersions(refs)
        var entries: [ModelComparisonEntry] = []
        for (record, version) in versions {
            var entry = try comparisonEntry(record, version, split: split)
            if measure {
                do {
                    let figure = try measureModelLatency(ModelVersionRef(model: record.id, version: version.version), runs: runs)
                    entry.latency = figure
                    entry.latencyNote = figure.msPerImage == nil ? figure.note : nil
                    if entry.parameters == nil, let p = figure.parameters { entry.parameters = p; entry.parametersNote = nil }
                } catch {
                    entry.latencyNote = ModelLatency.oneLine("\(AIArtsError.plain(error))")
                }
            }
            entries.append(entry)
        }
        return ModelComparison.assemble(entries, split: split.rawValue)
    }

    /// The versions the references name, in order.
    func comparedVersions(_ refs: [ModelVersionRef]) throws -> [(ModelRecord, ModelVersion)] {
        var out: [(ModelRecord, ModelVersion)] = []
        if refs.count == 1, refs[0].version == nil {
            let detail = try modelDetail(refs[0].model)
            out = detail.versions.map { (detail.model, $0) }
        } else {
            for ref in refs {
                out.append((try model(ref.model), try modelVersion(ref.model, version: ref.version)))
            }
        }
        guard out.count >= 2 else {
            throw AIArtsError(.invalidArgument, refs.count == 1
                ? "\(refs[0].model) has one version; name two or more models or versions to compare (M0001 M0002, or M0001:v1 M0001:v2)"
                : "name two or more models or versions to compare (M0001 M0002, or M0001:v1 M0001:v2)")
        }
        guard out.count <= modelComparisonLimit else {
            throw AIArtsError(.invalidArgument, "compare at most \(modelComparisonLimit) versions at once, not \(out.count)")
        }
        var seen = Set<String>()
        for (model, version) in out where !seen.insert("\(model.id) v\(version.version)").inserted {
            throw AIArtsError(.invalidArgument, "\(model.id) v\(version.version) is named twice; name each version once")
        }
        return out
    }

    func comparisonEntry(_ model: ModelRecord, _ version: ModelVersion, split: Split) throws -> ModelComparisonEntry {
        let task = version.sourceTaskId.flatMap { try? self.task($0) }
        let (evaluation, basis) = comparisonEvaluation(version, task: task, split: split)
        // A read-only workspace of an older aiarts has no modelLatency table: nothing was measured there.
        let stored = (try? storedModelLatency(model.id, version: version.version)) ?? nil
        var (parameters, note) = countParameters(in: URL(fileURLWithPath: version.folder), format: version.format)
        if parameters == nil, let counted = stored?.parameters { parameters = counted; note = nil }
        return ModelComparisonEntry(
            model: model.id, version: version.version, name: model.name, kind: model.kind, type: model.type?.rawValue,
            trainer: model.trainer, format: version.format, size: version.size, task: version.sourceTaskId,
            epoch: version.sourceEpoch, parentTask: task?.parentId, evaluation: evaluation, basis: basis,
            parameters: parameters, parametersNote: parameters == nil ? note : nil, latency: stored,
            latencyNote: stored?.msPerImage != nil ? nil : (stored?.note ?? "not measured: run `aiarts model compare --measure`"))
    }

    /// The version's evaluation and what it was scored on: the engine's report of that checkpoint on
    /// `split` when `aiarts task eval` made one, else the trainer's validation metrics recorded at
    /// registration, else the numbers an upload carried.
    func comparisonEvaluation(_ version: ModelVersion, task: TaskRecord?, split: Split) -> ([String: Double], EvaluationBasis) {
        if let task, let epoch = version.sourceEpoch {
            let url = taskFolder(task.id).appendingPathComponent("eval/epoch_\(epoch)_\(split.rawValue).metrics.json")
            if (try? SafePath.confine(url, relative: "eval/\(url.lastPathComponent)", under: taskFolder(task.id))) != nil,
               let data = try? Data(contentsOf: url), data.count < 64 << 20,
               let report = try? JSONDecoder().decode(TaskEvaluation.self, from: data) {
                // Per-label figures (precision/LABEL, ap/LABEL …) stay in the report; the overall ones compare.
                let metrics = report.report.metrics.filter { !$0.key.contains("/") && $0.value.isFinite }
                return (metrics, EvaluationBasis(source: .engine, dataset: report.report.dataset, split: report.report.split,
                                                 samples: report.report.samples))
            }
        }
        let given = (version.evaluation ?? [:]).filter { $0.value.isFinite }
        if given.isEmpty { return ([:], EvaluationBasis(source: .none)) }
        if version.sourceTaskId != nil {
            let dataset = task.flatMap { try? taskDatasetID($0) }
            return (given, EvaluationBasis(source: .trainer, dataset: dataset, split: dataset == nil ? nil : Split.val.rawValue))
        }
        return (given, EvaluationBasis(source: .given))
    }
}
