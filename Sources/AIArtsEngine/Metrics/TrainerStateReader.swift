import Foundation

/// Reads a Hugging Face `trainer_state.json` (written into each checkpoint-N/ folder): its
/// `log_history` holds every logged dict with its `step`, which the console lines lack.
/// The file is small and rewritten whole at each checkpoint, so it is read whole.
public enum TrainerStateReader {
    public struct State: Sendable {
        public var records: [MetricRecord]
        public var maxSteps: Int?
        public var epochs: Int?
        public var bestCheckpoint: String?
    }

    public static func read(_ bytes: [UInt8], path: String = "trainer_state.json") throws(MetricsError) -> State {
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: bytes)
        } catch {
            // json.dump writes NaN and Infinity bare when a loss diverged.
            guard let quoted = MetricsProtocolParser.quoteNonFiniteTokens(bytes), let retry = try? JSONDocument(bytes: quoted) else {
                throw MetricsError(.corrupt, path: path, "is not valid JSON (\(error)); it is rewritten at the next checkpoint")
            }
            document = retry
        }
        let root = document.root
        guard root.kind == .object else { throw MetricsError(.corrupt, path: path, "is not a JSON object; is this a trainer_state.json?") }
        let maxSteps = root["max_steps"]?.int.flatMap { $0 > 0 ? $0 : nil }
        let epochs = root["num_train_epochs"]?.int.flatMap { $0 > 0 ? $0 : nil }
        var records: [MetricRecord] = []
        for entry in root["log_history"]?.elements ?? JSONElements(document: document, first: 0, count: 0) {
            var members: [(key: String, value: Double)] = []
            for (key, value) in entry.members {
                if let d = value.double { members.append((key, d)) }
                else if let s = value.string, let d = ["NaN": Double.nan, "Infinity": .infinity, "-Infinity": -.infinity][s] { members.append((key, d)) }
            }
            guard var record = HuggingFaceLogParser.records(members) else { continue }
            record.steps = maxSteps
            record.epochs = epochs
            records.append(record)
        }
        return State(records: records, maxSteps: maxSteps, epochs: epochs, bestCheckpoint: root["best_model_checkpoint"]?.string)
    }
}
