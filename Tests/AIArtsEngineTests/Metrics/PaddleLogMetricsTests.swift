import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct PaddleLogMetricsTests {
    @Test func paddleXTrainEpochEvalAndCheckpoints() throws {
        let log = """
        2025-01-01 10:00:00 [INFO]\tLoading pretrained model from output/pretrain/ResNet50_pretrained
        2025-01-01 10:00:01 [INFO]\t[TRAIN] Epoch=1/10, Step=2/50, loss=2.302585, acc1=0.125, acc5=0.5, lr=0.025, time_each_step=0.31s, eta=0:02:31
        2025-01-01 10:00:09 [INFO]\t[TRAIN] Epoch=1/10, Step=50/50, loss=1.9, acc1=0.25, acc5=0.6, lr=0.025, time_each_step=0.3s, eta=0:02:15
        2025-01-01 10:00:09 [INFO]\t[TRAIN] Epoch 1 finished, loss=2.1, acc1=0.2, acc5=0.55 .
        2025-01-01 10:00:12 [INFO]\t[EVAL] Finished, Epoch=1, acc1=0.600000, acc5=0.900000 .
        2025-01-01 10:00:12 [INFO]\tModel saved in output/epoch_1.
        2025-01-01 10:00:12 [INFO]\tCurrent evaluated best model in eval_dataset is epoch_1, acc1=0.6
        2025-01-01 10:00:13 [INFO]\t[TRAIN] Epoch=2/10, Step=2/50, loss=1.5, acc1=0.5, acc5=0.8, lr=0.025, time_each_step=0.31s, eta=25:02:00
        """
        var parser = PaddleXLogParser()
        let records = parser.feed(lines: log.components(separatedBy: "\n"))
        #expect(records.count == 7)
        let first = records[0]
        #expect(first.kind == .train && first.step == 2 && first.steps == 500 && first.epoch == 1 && first.epochs == 10)
        #expect(first.values.map(\.name) == ["train/loss", "train/acc1", "train/acc5", "train/lr", "train/time_each_step"])
        #expect(first["train/loss"] == 2.302585 && first["train/lr"] == 0.025)
        #expect(first.secondsPerStep == 0.31 && first.reportedETA == 151)
        #expect(records[2].step == 50 && records[2]["train_epoch/loss"] == 2.1)
        #expect(records[3].kind == .eval && records[3].step == 50 && records[3].epoch == 1 && records[3]["eval/acc1"] == 0.6)
        #expect(records[4].checkpoint == MetricCheckpoint(epoch: 1, path: "output/epoch_1"))
        #expect(records[5].checkpoint == MetricCheckpoint(epoch: 1, best: true))
        #expect(records[6].step == 52 && records[6].reportedETA == 25 * 3600 + 120)
    }

    @Test func paddleDetectionZeroBasedEpochAndCOCOTable() throws {
        let log = """
        [01/02 10:00:00] ppdet.utils.checkpoint INFO: Finish loading model weights: output/best_model.pdparams
        [01/02 10:00:05] ppdet.engine INFO: Epoch: [0] [  0/500] learning_rate: 0.000100 loss: 2.345678 loss_cls: 1.1 loss_bbox: 0.9 eta: 1:02:03 batch_cost: 0.5000 data_cost: 0.0010 ips: 16.0000 images/s max_mem_reserved: 1234 MB
        [01/02 10:00:15] ppdet.engine INFO: Epoch: [1] [ 20/500] learning_rate: 0.000100 loss: 1.234567 eta: 1:01:00 batch_cost: 0.4000 ips: 20.0000 images/s
         Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.456
         Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.678
         Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.123
        """
        var parser = PaddleDetectionLogParser()
        let records = parser.feed(lines: log.components(separatedBy: "\n"))
        #expect(records.count == 4)
        #expect(records[0].epoch == 1 && records[0].step == 0 && records[0].reportedETA == 3723 && records[0].secondsPerStep == 0.5)
        #expect(records[0]["train/lr"] == 0.0001 && records[0]["train/loss"] == 2.345678 && records[0]["train/ips"] == 16)
        #expect(records[0]["train/max_mem_reserved"] == 1234)
        #expect(records[1].epoch == 2 && records[1].step == 520)
        #expect(records[2].kind == .eval && records[2]["eval/mAP"] == 0.456 && records[2].step == 1000 && records[2].epoch == 2)
        #expect(records[3]["eval/mAP50"] == 0.678)
    }

    @Test func paddleClasIterationsAveragesAndEval() throws {
        let log = """
        [2023/05/10 10:00:00] ppcls INFO: [Train][Epoch 1/10][Iter: 10/100]lr(Cosine): 0.10000000, top1: 0.50000, top5: 0.80000, CELoss: 1.20000, loss: 1.20000, batch_cost: 0.30000s, reader_cost: 0.01000, ips: 100.00000 samples/s, eta: 0:01:00
        [2023/05/10 10:01:00] ppcls INFO: [Train][Epoch 1/10][Avg]CELoss: 1.10000, loss: 1.10000, top1: 0.55000, top5: 0.85000
        [2023/05/10 10:01:02] ppcls INFO: [Eval][Epoch 1][Iter: 0/20]CELoss: 1.00000, loss: 1.00000, top1: 0.60000, batch_cost: 0.1s
        [2023/05/10 10:01:05] ppcls INFO: [Eval][Epoch 1][Avg]CELoss: 1.00000, loss: 1.00000, top1: 0.60000, top5: 0.90000
        """
        var parser = PaddleClasLogParser()
        let records = parser.feed(lines: log.components(separatedBy: "\n"))
        #expect(records.count == 3)
        #expect(records[0].step == 10 && records[0].steps == 1000 && records[0].epochs == 10)
        #expect(records[0]["train/lr"] == 0.1 && records[0]["train/top1"] == 0.5 && records[0].secondsPerStep == 0.3 && records[0].reportedETA == 60)
        #expect(records[1]["train_epoch/loss"] == 1.1 && records[1].step == 100)
        #expect(records[2].kind == .eval && records[2]["eval/top5"] == 0.9 && records[2].epoch == 1)
    }

    @Test func paddleSegIterationsEvalAndBest() throws {
        let log = """
        2023-01-01 10:00:00 [INFO]\t[TRAIN] epoch: 1, iter: 10/1000, loss: 2.5000, lr: 0.010000, batch_cost: 0.2500, reader_cost: 0.01000, ips: 32.0000 samples/sec | ETA 00:04:07
        2023-01-01 10:05:00 [INFO]\tStart evaluating (total_samples: 500, total_iters: 500)...
        2023-01-01 10:05:30 [INFO]\t[EVAL] #Images: 500 mIoU: 0.6000 Acc: 0.9000 Kappa: 0.5000 Dice: 0.7000
        2023-01-01 10:05:30 [INFO]\t[EVAL] The model with the best validation mIoU (0.6000) was saved at iter 10.
        """
        var parser = PaddleSegLogParser()
        let records = parser.feed(lines: log.components(separatedBy: "\n"))
        #expect(records.count == 3)
        #expect(records[0].step == 10 && records[0].steps == 1000 && records[0].epoch == 1 && records[0].reportedETA == 247)
        #expect(records[0]["train/loss"] == 2.5 && records[0]["train/lr"] == 0.01 && records[0].secondsPerStep == 0.25)
        #expect(records[1].kind == .eval && records[1]["eval/mIoU"] == 0.6 && records[1]["eval/Dice"] == 0.7 && records[1].step == 10)
        #expect(records[2].checkpoint == MetricCheckpoint(step: 10, best: true))
    }

    /// VOC-style evaluation in PaddleDetection prints one mAP line; every Paddle suite's lines
    /// carry their time, in each suite's own format.
    @Test func paddleDetectionVOCMapAndEveryPaddleLineItsTime() throws {
        var clock = LogTimestamp()
        let det = """
        [01/02 10:00:00] ppdet.engine INFO: Epoch: [0] [ 20/500] learning_rate: 0.000100 loss: 1.234567 eta: 1:02:03 batch_cost: 0.5000
        [01/02 10:05:00] ppdet.metrics.metrics INFO: mAP(0.50, integral) = 90.83%
        [01/02 10:05:00] ppdet.metrics.metrics INFO: mAP(0.75, 11point) = 0.4512
        """
        var detParser = PaddleDetectionLogParser()
        let records = detParser.feed(lines: det.components(separatedBy: "\n"))
        #expect(records.count == 3)
        #expect(records[1].kind == .eval && records[1].epoch == 1 && records[1].step == 500)
        #expect(abs((records[1]["eval/mAP50"] ?? 0) - 0.9083) < 1e-12)
        #expect(records[2]["eval/mAP75"] == 0.4512)
        let year = LogTimestamp.currentYear
        #expect(records[0].wallTime == clock.parse("\(year)-01-02 10:00:00"))
        #expect(records[1].wallTime.map { $0 - records[0].wallTime! } == 300)

        var seg = PaddleSegLogParser()
        let segRecord = seg.feed("2023-01-01 10:00:00 [INFO]\t[TRAIN] epoch: 1, iter: 10/1000, loss: 2.5000, lr: 0.010000")
        #expect(segRecord.first?.wallTime == clock.parse("2023-01-01 10:00:00"))

        var cls = PaddleClasLogParser()
        let clsRecord = cls.feed("[2023/05/10 10:00:00] ppcls INFO: [Train][Epoch 1/10][Iter: 10/100]lr(Cosine): 0.10000, loss: 1.20000")
        #expect(clsRecord.first?.wallTime == clock.parse("2023-05-10 10:00:00"))
        #expect(clsRecord.first?.wallTime != nil)
    }
}
