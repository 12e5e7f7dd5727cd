extension DatasetFormat {
    func parser(for type: DatasetType) -> any DatasetParser {
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
        case .labelme: LabelmeParser()
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
