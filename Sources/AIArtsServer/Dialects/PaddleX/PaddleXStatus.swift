import AIArtsEngine
import Foundation

/// PaddleX RESTful's status enums (its data_struct.md: Python `Enum(..., start=0)`, sent as their
/// integer values) and the one mapping from each aiarts state onto them (docs/api.md, "PaddleX").
enum PaddleX {
    enum DatasetStatus: Int, CaseIterable {
        case xEmpty = 0, xChecking, xCheckFail, xCopying, xCopyDone, xCopyFail, xSplited
    }

    enum TaskStatus: Int, CaseIterable {
        case xUninit = 0, xInit, xDownloading, xTraining, xTrainDone, xEvaluated, xExporting, xExported,
             xTrainExit, xDownloadFail, xTrainFail, xEvaluating, xEvaluateFail, xExportFail, xPruneing, xPruneTrain
    }

    enum PredictStatus: Int, CaseIterable {
        case xPreStart = 0, xPreDone, xPreFail
    }

    enum DownloadStatus: Int, CaseIterable {
        case xdDownloading = 0, xdDownloadFail, xdDownloadDone, xdDecompressed
    }

    /// ProjectType: the integer `prj_type` of /demo.
    static let projectTypes = ["classification", "detection", "segmentation", "instance_segmentation", "remote_segmentation"]

    /// A dataset's status: an import's phases, its failure, and a dataset split by /dataset/split
    /// (or `aiarts dataset split`) as XSPLITED. A registered dataset (files left in place) is imported.
    static func datasetStatus(status: String, splitSource: String?) -> DatasetStatus {
        switch AIArtsEngine.DatasetStatus(rawValue: status) {
        case .empty?: .xEmpty
        case .checking?, .checked?: .xChecking
        case .checkFailed?: .xCheckFail
        case .copying?: .xCopying
        case .copied?, .registered?: splitSource == "random" ? .xSplited : .xCopyDone
        case .cancelled?: .xCopyFail
        case nil: .xCopyFail
        }
    }

    /// A task's training state. aiarts has no pretrained-weight download: the state before a
    /// process trains (waiting for GPU memory) is XDOWNLOADING, PaddleX's "started, not training yet".
    static func taskStatus(_ status: String) -> TaskStatus {
        switch AIArtsEngine.TaskStatus(rawValue: status) {
        case .created?: .xInit
        case .waitingGPU?, .pending?: .xDownloading
        case .starting?, .running?, .paused?: .xTraining
        case .stopping?, .stopped?: .xTrainExit
        case .finished?: .xTrainDone
        case .failed?: .xTrainFail
        case nil: .xUninit
        }
    }

    /// An evaluation, export or prediction job's state in its route's enum.
    static func evaluateStatus(_ state: PaddleXJobs.State) -> TaskStatus {
        switch state { case .running: .xEvaluating; case .done: .xEvaluated; case .failed: .xEvaluateFail }
    }

    static func exportStatus(_ state: PaddleXJobs.State) -> TaskStatus {
        switch state { case .running: .xExporting; case .done: .xExported; case .failed: .xExportFail }
    }

    static func predictStatus(_ state: PaddleXJobs.State) -> PredictStatus {
        switch state { case .running: .xPreStart; case .done: .xPreDone; case .failed: .xPreFail }
    }

    /// A dataset or project type as PaddleX names it; remote_segmentation is not one aiarts has.
    static func datasetType(_ text: String, field: String) throws -> DatasetType {
        if let type = DatasetType(rawValue: text) { return type }
        if text == "remote_segmentation" {
            throw APIError.badRequest("\(field) remote_segmentation (remote sensing) is not a type aiarts has; use classification, detection, segmentation or instance_segmentation")
        }
        throw APIError.badRequest("\(field) must be classification, detection, segmentation or instance_segmentation, not '\(text)'")
    }

    /// A PaddleX time: "2026-12-06 10:00:00", local time as PaddleX writes create_time.
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
