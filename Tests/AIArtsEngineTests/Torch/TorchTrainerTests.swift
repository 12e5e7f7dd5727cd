import Foundation
import Testing
@testable import AIArtsEngine

/// The PyTorch trainers' Swift side: the script written into a task folder, parameters, the command and the
/// availability check. None of it needs torch.
@Suite struct TorchTrainerTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func scriptIsWrittenIntoTheTaskFolder() throws {
        let folder = TempFolder("aiarts-torch")
        let url = try TorchTrainer.writeScript(into: folder.path("tasks/T0001"))
        #expect(url.lastPathComponent == "aiarts_torch.py")
        let shipped = try Data(contentsOf: Self.repository.appendingPathComponent("trainers/torch/aiarts_torch.py"))
        #expect(try Data(contentsOf: url) == shipped)
    }

    @Test func everyTypeHasModelsAndValidDefaults() throws {
        for type in DatasetType.allCases {
            let defaults = TorchTrainer.defaults(for: type)
            #expect(Set(defaults.keys) == TorchTrainer.keys)
            try TorchTrainer.validate(defaults, type: type)
            let model = try #require(defaults["model"])
            #expect(TorchTrainer.modelType(model) == type)
            #expect(TorchTrainer.models(for: type).contains(model))
        }
        #expect(TorchTrainer.models(for: .classification) == ["resnet18", "resnet50", "mobilenet_v3_large", "mobilenet_v3_small"])
        #expect(TorchTrainer.models(for: .instanceSegmentation).contains("fasterrcnn_mobilenet_v3_large_fpn"))
        #expect(!TorchTrainer.models(for: .detection).contains("maskrcnn_resnet50_fpn"))
    }

    @Test func parametersAreChecked() throws {
        try TorchTrainer.validate("model", "retinanet_resnet50_fpn", type: .detection)
        try TorchTrainer.validate("optimizer", "adamw")
        try TorchTrainer.validate("warmup_epochs", "0.5")
        try TorchTrainer.validate("workers", "0")
        try TorchTrainer.validate("pretrained", "/models/resnet18.pth")
        try TorchTrainer.validate("gpus", "0,1")
        let refused: [(String, String, DatasetType?, String)] = [
            ("model", "resnet18", .detection, "trains classification datasets, not detection"),
            ("model", "vgg16", nil, "unknown model"),
            ("epochs", "0", nil, "at least 1"),
            ("batch_size", "many", nil, "whole number"),
            ("image_size", "16", nil, "at least 32"),
            ("learning_rate", "-1", nil, "above 0"),
            ("learning_rate", "nan", nil, "above 0"),
            ("lr_schedule", "linear", nil, "cosine, step or constant"),
            ("optimizer", "adam", nil, "sgd or adamw"),
            ("workers", "-1", nil, "at least 0"),
            ("epoch", "3", nil, "has no parameter 'epoch'"),
        ]
        for (key, value, type, words) in refused {
            do {
                try TorchTrainer.validate(key, value, type: type)
                Issue.record("\(key)=\(value) was accepted")
            } catch let error as AIArtsError {
                #expect(error.kind == .invalidArgument)
                #expect(error.message.contains(words), "\(error.message)")
            }
        }
        #expect(throws: AIArtsError.self) { try TorchTrainer.validate(["model": "fcn_resnet50"], type: .classification) }
    }

    @Test func oneGPUOrCPURunsTheScriptDirectly() throws {
        let folder = URL(fileURLWithPath: "/ws/tasks/T0003")
        let manifest = folder.appendingPathComponent("dataset.json")
        let (argv, env) = try TorchTrainer.command(params: ["model": "resnet50", "epochs": "5", "gpus": "2"],
                                                   manifest: manifest, taskFolder: folder, gpus: [2])
        #expect(argv == [
            "python3", "/ws/tasks/T0003/aiarts_torch.py", "train", "--manifest", "/ws/tasks/T0003/dataset.json",
            "--out", "/ws/tasks/T0003", "--model", "resnet50", "--epochs", "5", "--batch-size", "32", "--lr", "0.001",
            "--optimizer", "adamw", "--weight-decay", "0.01", "--lr-schedule", "cosine", "--warmup-epochs", "1",
            "--image-size", "224", "--workers", "4", "--save-interval", "1", "--seed", "1",
        ])
        #expect(env == ["CUDA_VISIBLE_DEVICES": "2", "PYTHONUNBUFFERED": "1"])

        let (cpu, cpuEnv) = try TorchTrainer.command(
            params: ["model": "deeplabv3_resnet50", "pretrained": "/w/r50.pth"], manifest: manifest, taskFolder: folder,
            gpus: [], python: "/opt/venv/bin/python", resumeFrom: "checkpoints/epoch_3")
        #expect(cpu.first == "/opt/venv/bin/python")
        #expect(cpu.suffix(4) == ["--pretrained", "/w/r50.pth", "--resume", "checkpoints/epoch_3"])
        #expect(cpu.contains("512"), "segmentation defaults apply: image size 512")
        #expect(cpuEnv["CUDA_VISIBLE_DEVICES"] == nil)
    }

    @Test func severalGPUsRunThroughTorchrun() throws {
        let folder = URL(fileURLWithPath: "/ws/tasks/T0004")
        let (argv, env) = try TorchTrainer.command(params: ["model": "maskrcnn_resnet50_fpn"],
                                                   manifest: folder.appendingPathComponent("dataset.json"),
                                                   taskFolder: folder, gpus: [0, 1, 3])
        #expect(Array(argv.prefix(8)) == ["python3", "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "3",
                                          "/ws/tasks/T0004/aiarts_torch.py", "train"])
        #expect(env["CUDA_VISIBLE_DEVICES"] == "0,1,3")
        #expect(!argv.contains("--pretrained"), "an empty pretrained path is left out")
    }

    @Test func badParametersGiveNoCommand() {
        let folder = URL(fileURLWithPath: "/t")
        #expect(throws: AIArtsError.self) {
            try TorchTrainer.command(params: [:], manifest: folder, taskFolder: folder, gpus: [])
        }
        #expect(throws: AIArtsError.self) {
            try TorchTrainer.command(params: ["model": "resnet18", "epochs": "zero"], manifest: folder, taskFolder: folder, gpus: [])
        }
    }

    /// The script's one-line errors, exactly as aiarts_torch.py prints them, are what the
    /// engine's FailureClassifier recognises.
    @Test func scriptErrorsAreRecognised() throws {
        let start = "aiarts torch trainer: resnet18 on D0001 (classification, 2 labels), 40 train / 10 val images, device cuda x1, batch_size=64 per process"
        let oom = FailureClassifier.classify(logTail: [start, "error: CUDA out of memory at batch size 64 (tried to allocate 20.00 MiB): lower --batch-size or --image-size"], exit: .exited(code: 1))
        #expect(oom?.kind == .gpuOutOfMemory)
        #expect(oom?.message.contains("tried to allocate 20.00 MiB") == true)
        #expect(oom?.message.contains("at batch size 64") == true)
        let missing = FailureClassifier.classify(logTail: [start, "error: No such file or directory: '/ws/datasets/D0001/a.jpg' (1 missing dataset file)"], exit: .exited(code: 1))
        #expect(missing?.kind == .missingFile)
        #expect(missing?.message.contains("/ws/datasets/D0001/a.jpg") == true)
        let module = FailureClassifier.classify(logTail: ["error: No module named 'torchvision' (the PyTorch trainers need torch and torchvision: pip install torch torchvision)"], exit: .exited(code: 1))
        #expect(module?.kind == .missingModule)
        let type = FailureClassifier.classify(logTail: ["error: model resnet18 trains classification datasets; this dataset is detection (choose one of fasterrcnn_mobilenet_v3_large_fpn)"], exit: .exited(code: 1))
        #expect(type?.message.contains("model resnet18 trains classification datasets") == true)
        // Each message in the test above is the script's own text.
        for text in ["CUDA out of memory at batch size %s", "No such file or directory: '%s' (%s missing dataset file%s)",
                     "error: No module named '%s' (the PyTorch trainers need torch and torchvision: pip install torch torchvision)",
                     "model %s trains %s datasets; this dataset is %s (choose one of %s)"] {
            #expect(String(decoding: TorchTrainer.script, as: UTF8.self).contains(text), "aiarts_torch.py no longer prints \(text)")
        }
    }

    @Test func availabilityIsCheckedByImporting() throws {
        let folder = TempFolder("aiarts-torch")
        let good = folder.write("good-python", "#!/bin/sh\nexit 0\n")
        let bad = folder.write("bad-python", "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho \"ModuleNotFoundError: No module named 'torchvision'\" >&2\nexit 1\n")
        for url in [good, bad] { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
        #expect(TorchTrainer.available(python: good.path) == .init(isAvailable: true, reason: nil))
        let missing = TorchTrainer.available(python: bad.path)
        #expect(!missing.isAvailable)
        #expect(missing.reason == "Python module 'torchvision' is not installed for \(bad.path): pip install torch torchvision")
        // Cached: the answer stays even when the interpreter changes.
        try FileManager.default.removeItem(at: good)
        #expect(TorchTrainer.available(python: good.path).isAvailable)
        #expect(!TorchTrainer.check(python: good.path).isAvailable)
        #expect(!TorchTrainer.check(python: "aiarts-no-such-python").isAvailable)
    }
}
