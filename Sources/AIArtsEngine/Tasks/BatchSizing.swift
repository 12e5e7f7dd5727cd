import Foundation

/// Batch size from free GPU memory, as PaddleX does: the default batch size follows the memory of
/// the chosen GPUs, and the learning rate scales linearly with it (docs/tasks.md, "Batch size").
///
/// The memory a training step takes is estimated per model from a fixed part (CUDA context,
/// weights, optimizer state) and a part per image at the model's reference image size, scaled by
/// area for other sizes. The figures are deliberately on the high side for bf16 autocast training:
/// a batch that is a little small costs some speed, one that is too large costs the run.
public struct TrainingMemory: Equatable, Sendable {
    public var baseMiB: Int
    public var perImageMiB: Double
    public var referenceImageSize: Int

    /// Known models; nil for anything else (a command task, an unknown model): then nothing is
    /// estimated and the user's values are used as they are.
    public static func estimate(model: String) -> TrainingMemory? {
        switch model {
        case "resnet18": TrainingMemory(baseMiB: 600, perImageMiB: 45, referenceImageSize: 224)
        case "resnet50": TrainingMemory(baseMiB: 900, perImageMiB: 110, referenceImageSize: 224)
        case "mobilenet_v3_large": TrainingMemory(baseMiB: 500, perImageMiB: 55, referenceImageSize: 224)
        case "mobilenet_v3_small": TrainingMemory(baseMiB: 450, perImageMiB: 25, referenceImageSize: 224)
        case "fasterrcnn_mobilenet_v3_large_fpn": TrainingMemory(baseMiB: 700, perImageMiB: 350, referenceImageSize: 800)
        case "retinanet_resnet50_fpn": TrainingMemory(baseMiB: 1100, perImageMiB: 1100, referenceImageSize: 800)
        case "ssdlite320_mobilenet_v3_large": TrainingMemory(baseMiB: 550, perImageMiB: 60, referenceImageSize: 320)
        case "deeplabv3_mobilenet_v3_large": TrainingMemory(baseMiB: 700, perImageMiB: 450, referenceImageSize: 520)
        case "deeplabv3_resnet50": TrainingMemory(baseMiB: 1100, perImageMiB: 1700, referenceImageSize: 520)
        case "fcn_resnet50": TrainingMemory(baseMiB: 1100, perImageMiB: 1500, referenceImageSize: 520)
        case "maskrcnn_resnet50_fpn": TrainingMemory(baseMiB: 1300, perImageMiB: 1700, referenceImageSize: 800)
        default: nil
        }
    }

    /// MiB a step with `batch` images of `imageSize` pixels is expected to take on one GPU.
    public func need(batch: Int, imageSize: Int) -> Int {
        let scale = pow(Double(imageSize) / Double(referenceImageSize), 2)
        return baseMiB + Int((perImageMiB * scale * Double(batch)).rounded(.up))
    }

    /// The largest power of two from 1 to `limit` whose step fits in 90% of `freeMiB`; nil when
    /// not even one image fits.
    public func batchSize(freeMiB: Int, imageSize: Int, limit: Int = 64) -> Int? {
        var batch = 1
        guard need(batch: 1, imageSize: imageSize) <= freeMiB * 9 / 10 else { return nil }
        while batch * 2 <= limit, need(batch: batch * 2, imageSize: imageSize) <= freeMiB * 9 / 10 { batch *= 2 }
        return batch
    }

    /// The linear scaling rule: a rate tuned for `referenceBatch` images, used with `batch`.
    public static func scaledLearningRate(_ base: Double, batch: Int, referenceBatch: Int) -> Double {
        base * Double(batch) / Double(max(1, referenceBatch))
    }
}
