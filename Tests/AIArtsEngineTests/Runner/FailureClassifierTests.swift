import Foundation
import Testing
@testable import AIArtsEngine

extension RunnerTests {
    @Suite struct Classifier {
        func classify(_ log: String, _ exit: ExitStatus = .exited(code: 1), stop: Bool = false) -> FailureReason? {
            FailureClassifier.classify(logTail: log.components(separatedBy: "\n"), exit: exit, stopRequested: stop)
        }

        @Test func cudaOutOfMemoryWithBatchSize() throws {
            let log = """
                Namespace(arch='resnet50', batch_size=64, epochs=90, lr=0.1, workers=8)
                Epoch: [0][  10/5005]\tTime  0.412 ( 0.980)\tLoss 6.9012e+00
                Traceback (most recent call last):
                  File "/home/me/train.py", line 412, in <module>
                    main()
                  File "/home/me/train.py", line 301, in train
                    output = model(images)
                  File "/usr/lib/python3/dist-packages/torch/nn/modules/module.py", line 1736, in _wrapped_call_impl
                    return self._call_impl(*args, **kwargs)
                torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.65 GiB of which 1.12 GiB is free. Including non-PyTorch memory, this process has 22.51 GiB memory in use.
                """
            let reason = try #require(classify(log))
            #expect(reason.kind == .gpuOutOfMemory)
            #expect(reason.message == "GPU ran out of memory (tried to allocate 2.00 GiB) at batch size 64: lower the batch size (e.g. 32) or the image size")
        }

        @Test func torchrunsOwnTracebackDoesNotHideTheWorkersError() throws {
            let log = """
                [rank1]: error: CUDA out of memory at batch size 64: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB
                E1123 20:01:02 torch/distributed/elastic/multiprocessing/api.py: failed (exitcode: 1) local_rank: 1
                Traceback (most recent call last):
                  File "/usr/lib/python3/torch/distributed/run.py", line 900, in main
                    run(args)
                torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
                ============================================================
                aiarts_torch.py FAILED
                """
            let reason = try #require(classify(log))
            #expect(reason.kind == .gpuOutOfMemory)
            #expect(reason.message.contains("batch size 64"))
        }

        @Test func olderCudaOutOfMemoryWithoutBatchSize() throws {
            let log = "RuntimeError: CUDA out of memory. Tried to allocate 512.00 MiB (GPU 0; 10.76 GiB total capacity)"
            let reason = try #require(classify(log))
            #expect(reason.kind == .gpuOutOfMemory)
            #expect(reason.message == "GPU ran out of memory (tried to allocate 512.00 MiB): lower the batch size or the image size")
            #expect(classify("Using batch size 16\n" + log)?.message.contains("at batch size 16") == true)
        }

        @Test(arguments: [
            ("RuntimeError: CUDA error: no kernel image is available for execution on the device", "no code for this GPU"),
            ("RuntimeError: The NVIDIA driver on your system is too old (found version 11040).", "driver is older"),
            ("RuntimeError: CUDA error: CUDA driver version is insufficient for CUDA runtime version", "driver is older"),
            ("RuntimeError: CUDA error: no CUDA-capable device is detected", "no CUDA GPU is visible"),
        ])
        func cudaMismatch(line: String, expected: String) throws {
            let log = "Traceback (most recent call last):\n  File \"train.py\", line 3, in <module>\n    x.cuda()\n" + line
            let reason = try #require(classify(log))
            #expect(reason.kind == .cudaMismatch)
            #expect(reason.message.contains(expected))
        }

        @Test func oomKillerIsSIGKILLNobodyAskedFor() throws {
            let log = "Epoch 3/100\n 45%|████▌     | 450/1000 [01:12<01:28,  6.21it/s]"
            let reason = try #require(classify(log, ExitStatus.signaled(signal: SIGKILL, coreDumped: false)))
            #expect(reason.kind == .killedOutOfMemory)
            #expect(reason.message.contains("out-of-memory killer") && reason.message.contains("workers"))
            #expect(classify(log, ExitStatus.signaled(signal: SIGKILL, coreDumped: false), stop: true) == nil)
        }

        @Test func missingModule() throws {
            let log = """
                Traceback (most recent call last):
                  File "/work/tasks/T0003/train.py", line 5, in <module>
                    import timm.models
                ModuleNotFoundError: No module named 'timm'
                """
            #expect(classify(log) == FailureReason(kind: .missingModule, message: "Python module 'timm' is not installed: pip install timm"))
            let cv = classify("ModuleNotFoundError: No module named 'cv2'")
            #expect(cv?.message == "Python module 'cv2' is not installed: pip install opencv-python")
        }

        @Test func missingDatasetFile() throws {
            let log = """
                Loading annotations...
                Traceback (most recent call last):
                  File "train.py", line 88, in build_dataset
                    with open(ann_file) as f:
                FileNotFoundError: [Errno 2] No such file or directory: '/data/coco/annotations/instances_train2017.json'
                """
            #expect(classify(log) == FailureReason(kind: .missingFile, message:
                "file not found: /data/coco/annotations/instances_train2017.json: check the dataset path and that the file exists"))
        }

        @Test func lastTracebackWinsOverEarlierNoise() throws {
            let log = """
                warning: No such file or directory: 'optional_config.yaml', using defaults
                Traceback (most recent call last):
                  File "train.py", line 10, in <module>
                    load()
                KeyError: 'x'

                During handling of the above exception, another exception occurred:

                Traceback (most recent call last):
                  File "train.py", line 12, in <module>
                    raise ValueError("num_classes must be positive, got 0")
                ValueError: num_classes must be positive, got 0
                """
            #expect(classify(log) == FailureReason(kind: .trainerException, message:
                "the trainer raised ValueError: num_classes must be positive, got 0"))
        }

        @Test func plainExitCodeWithLastMeaningfulLine() throws {
            let log = "starting\n\u{1B}[31merror: config key 'lr' must be a number\u{1B}[0m\n----\n\n"
            #expect(classify(log, ExitStatus.exited(code: 2)) == FailureReason(kind: .exitCode, message:
                "config key 'lr' must be a number (exit code 2)"))
            // The reason, not "exited with code 1; last output: Error: …" (aiarts-train, argparse).
            #expect(classify("Error: D0001 has no usable images in its train split", ExitStatus.exited(code: 1))?.message
                    == "D0001 has no usable images in its train split (exit code 1)")
            #expect(classify("usage: train.py [-h]\ntrain.py: error: the following arguments are required: --data", ExitStatus.exited(code: 2))?.message
                    == "the following arguments are required: --data (exit code 2)")
            #expect(classify("done 3 of 5\n", ExitStatus.exited(code: 3))?.message == "exited with code 3; last output: done 3 of 5")
            #expect(classify("", ExitStatus.exited(code: 2))?.message == "exited with code 2")
            #expect(classify("boom", ExitStatus.signaled(signal: SIGSEGV, coreDumped: true))?.message
                    == "killed by SIGSEGV (core dumped); last output: boom")
        }

        @Test func successStopAndUnknownAreNotFailures() {
            #expect(classify("Traceback (most recent call last):\nValueError: handled", .exited(code: 0)) == nil)
            #expect(classify("anything", ExitStatus.signaled(signal: SIGTERM, coreDumped: false), stop: true) == nil)
            #expect(classify("all fine", ExitStatus.unknown) == nil)
            #expect(classify("ModuleNotFoundError: No module named 'x'", ExitStatus.unknown)?.kind == .missingModule)
        }

        @Test func progressBarsAndControlCharactersAreCleaned() {
            #expect(FailureClassifier.clean(" 10%|█         |\r 20%|██        |\r") == " 20%|██        |")
            #expect(FailureClassifier.clean("\u{1B}[1mbold\u{1B}[0m\u{07}") == "bold")
            // An OSC title runs to its BEL or ST, letters and all: none of it is shown.
            #expect(FailureClassifier.clean("\u{1B}]0;Training run\u{07}Error: disk full\tnow") == "Error: disk full now")
        }
    }
}
