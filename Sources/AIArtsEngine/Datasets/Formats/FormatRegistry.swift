import Foundation

extension DatasetFormat {
    /// `embeddedImages`: a folder where a parser may write images that the annotation files carry
    /// inside them (labelme's `imageData`); nil when there is nowhere to put them.
    func parser(for type: DatasetType, embeddedImages: URL? = nil) -> any DatasetParser {
        switch self {
        case .imagenet: ImageNetParser()
        case .paddlex:
            switch type {
            case .detection: VOCParser()
            case .segmentation: SegmentationParser()
            default: PaddleXClassificationParser()
            }
        case .voc: VOCParser()
        case .coco: COCOParser()
        case .yolo: YOLOParser()
        case .labelme: LabelmeParser(embeddedImages: embeddedImages)
        case .seg: SegmentationParser()
        }
    }

    func exporter(for type: DatasetType) -> any DatasetExporter {
        switch self {
        case .imagenet: ImageNetExporter()
        case .paddlex:
            switch type {
            case .detection: VOCExporter()
            case .segmentation: SegmentationExporter()
            default: PaddleXClassificationExporter()
            }
        case .voc: VOCExporter()
        case .coco: COCOExporter()
        case .yolo: YOLOExporter()
        case .labelme: LabelmeExporter()
        case .seg: SegmentationExporter()
        }
    }
}
