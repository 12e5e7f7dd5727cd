import Foundation

extension DatasetFormat {
    /// The format a folder of a dataset of `type` is read in when the client names no format, as
    /// PaddleX's /dataset import does: its own list files (labels.txt with train_list.txt …) when
    /// present; else class folders for classification, COCO or Pascal VOC for detection (by their
    /// marks, VOC when neither shows), masks for segmentation, COCO for instance segmentation.
    /// An archive is read in the type's usual format.
    public static func layout(of type: DatasetType, at source: URL) -> DatasetFormat {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        let folder = fm.fileExists(atPath: source.path, isDirectory: &isFolder) && isFolder.boolValue
        if folder, type != .instanceSegmentation,
           fm.fileExists(atPath: source.appendingPathComponent("labels.txt").path),
           Split.allCases.contains(where: { fm.fileExists(atPath: source.appendingPathComponent("\($0.rawValue)_list.txt").path) }) {
            return .paddlex
        }
        switch type {
        case .classification: return .imagenet
        case .detection: return folder && FormatSignature.matches(.coco, source) && !FormatSignature.matches(.voc, source) ? .coco : .voc
        case .segmentation: return .seg
        case .instanceSegmentation: return .coco
        }
    }
}
