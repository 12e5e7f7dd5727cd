import Foundation

/// Why a training run failed, in one line a person can act on.
public struct FailureReason: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case gpuOutOfMemory       // CUDA out of memory
        case cudaMismatch         // driver too old, no kernel image for this GPU, no GPU visible
        case killedOutOfMemory    // SIGKILL nobody asked for: the kernel's OOM killer
        case missingModule        // ModuleNotFoundError
        case missingFile          // FileNotFoundError / No such file or directory
        case trainerException     // the last Python traceback's exception
        case signal               // ended by another signal (SIGSEGV, SIGABRT ...)
        case exitCode             // a non-zero exit with nothing more specific in the log
    }
    public var kind: Kind
    public var message: String
    public var description: String { message }
}

/// Reads the end of a failed run's log and its exit status, and says what went wrong.
/// Pure: the caller passes the last lines of train.log (a hundred or so is plenty).
public enum FailureClassifier {
    /// nil when the run did not fail: it exited 0, or it ended because a stop was asked for,
    /// or its status is unknown and the log shows nothing wrong.
    public static func classify(logTail: [String], exit: ExitStatus, stopRequested: Bool = false) -> FailureReason? {
        if exit.isSuccess || stopRequested { return nil }
        let lines = logTail.map(clean)
        let exception = lastException(lines)
        // When there is a traceback, its exception is what ended the run; earlier lines may hold
        // harmless warnings that mention the same words. Without one, look at everything.
        let focus = exception.map { [$0] } ?? Array(lines.reversed())

        if let line = focus.first(where: { $0.contains("CUDA out of memory") || $0.contains("OutOfMemoryError") }) {
            var message = "GPU ran out of memory"
            if let size = firstCapture(#/[Tt]ried to allocate ([0-9.]+ ?[KMGT]i?B)/#, in: [line]) {
                message += " (tried to allocate \(size))"
            }
            if let batch = firstCapture(#/(?i)batch[_ -]?size['"]?\s*[=:]?\s*(\d+)/#, in: lines.reversed()) {
                message += " at batch size \(batch): lower the batch size (e.g. \(max(1, (Int(batch) ?? 2) / 2))) or the image size"
            } else {
                message += ": lower the batch size or the image size"
            }
            return FailureReason(kind: .gpuOutOfMemory, message: message)
        }
        if let reason = cudaMismatch(focus) { return reason }
        if case .signaled(SIGKILL, _) = exit {
            return FailureReason(kind: .killedOutOfMemory, message:
                "killed by SIGKILL without a stop request, most likely the kernel's out-of-memory killer (see `dmesg`): lower the batch size or the number of data loader workers")
        }
        if let module = firstCapture(#/No module named '([^']+)'/#, in: focus) {
            let top = String(module.split(separator: ".").first ?? Substring(module))
            return FailureReason(kind: .missingModule, message:
                "Python module '\(module)' is not installed: pip install \(pipName(top))")
        }
        if let path = firstCapture(#/No such file or directory: ['"]([^'"]+)['"]/#, in: focus) {
            // The torch trainer names what the file was for (aiarts_torch.py's UserError messages).
            let line = focus.first { $0.contains(path) } ?? ""
            if line.contains("(--pretrained)") {
                return FailureReason(kind: .missingFile, message:
                    "the pretrained-weights file \(path) does not exist: put the file there, or set pretrained= to another one (empty trains from scratch)")
            }
            if line.contains("(the checkpoint)") {
                return FailureReason(kind: .missingFile, message:
                    "the checkpoint \(path) to resume from does not exist: resume from another epoch (`aiarts task checkpoints`) or start again")
            }
            return FailureReason(kind: .missingFile, message:
                "file not found: \(path): check the dataset path and that the file exists")
        }
        if let exception {
            return FailureReason(kind: .trainerException, message: "the trainer raised \(shorten(exception))")
        }
        switch exit {
        case let .signaled(sig, core):
            return FailureReason(kind: .signal, message: "killed by \(ExitStatus.signalName(sig))"
                + (core ? " (core dumped)" : "") + lastOutput(lines))
        case let .exited(code):
            // A program that says why it stops ("Error: …", "prog: error: …") is quoted as the reason.
            if let said = lastError(lines) { return FailureReason(kind: .exitCode, message: "\(said) (exit code \(code))") }
            return FailureReason(kind: .exitCode, message: "exited with code \(code)" + lastOutput(lines))
        case .unknown:
            return nil
        }
    }

    private static func cudaMismatch(_ focus: [String]) -> FailureReason? {
        for line in focus {
            if line.contains("CUDA driver version is insufficient") || line.contains("NVIDIA driver on your system is too old") {
                return FailureReason(kind: .cudaMismatch, message:
                    "the NVIDIA driver is older than the CUDA this PyTorch was built for: update the driver, or install a PyTorch built for an older CUDA")
            }
            if line.contains("no kernel image is available for execution on the device") {
                return FailureReason(kind: .cudaMismatch, message:
                    "this PyTorch has no code for this GPU's architecture: install a PyTorch build that supports this GPU")
            }
            if line.contains("no CUDA-capable device") || line.contains("Found no NVIDIA driver") {
                return FailureReason(kind: .cudaMismatch, message:
                    "no CUDA GPU is visible to the trainer: check `nvidia-smi` and CUDA_VISIBLE_DEVICES")
            }
        }
        return nil
    }

    /// The final line of the last "Traceback (most recent call last):" block: frames are indented,
    /// so it is the first non-indented, non-empty line after the header.
    /// torchrun's own traceback (`ChildFailedError`) only says a worker failed; the worker's
    /// traceback or message before it says why, so it is passed over.
    static func lastException(_ lines: [String]) -> String? {
        var end = lines.endIndex
        while let header = lines[..<end].lastIndex(where: { $0.hasPrefix("Traceback (most recent call last)") }) {
            let exception = lines[(header + 1)..<lines.endIndex].first { !$0.isEmpty && !$0.hasPrefix(" ") && !$0.hasPrefix("\t") }
            if let exception, !exception.contains("ChildFailedError") { return exception }
            end = header
        }
        return nil
    }

    /// What the last line that says something says after "error:" when it is an error message:
    /// `Error: X` (Swift's ArgumentParser, aiarts-train), `prog: error: X` (argparse), `ERROR: X`.
    static func lastError(_ lines: [String]) -> String? {
        guard let line = lines.last(where: { $0.contains(where: { $0.isLetter || $0.isNumber }) }),
              let match = line.firstMatch(of: #/^\s*(?:[\w.\-]+: )?(?i:error|fatal): *(.+)$/#) else { return nil }
        let said = String(match.1).trimmingCharacters(in: .whitespaces)
        return said.isEmpty ? nil : shorten(said)
    }

    /// " ; last output: ..." from the last line that says something, or "".
    private static func lastOutput(_ lines: [String]) -> String {
        guard let line = lines.last(where: { $0.contains(where: { $0.isLetter || $0.isNumber }) }) else { return "" }
        return "; last output: " + shorten(line.trimmingCharacters(in: .whitespaces))
    }

    /// One displayable line: the last carriage-return segment that holds anything (progress bars
    /// redraw with \r and end with one), through `TerminalText` (escape sequences, OSC titles
    /// included, and control characters removed), tabs as spaces, trailing blanks trimmed.
    static func clean(_ raw: String) -> String {
        let segment = raw.split(separator: "\r", omittingEmptySubsequences: true).last.map(String.init) ?? ""
        var out = TerminalText.finalRedraw(segment).replacingOccurrences(of: "\t", with: " ")
        while out.last?.isWhitespace == true { out.removeLast() }
        return out
    }

    private static func shorten(_ s: String, to limit: Int = 200) -> String {
        s.count <= limit ? s : String(s.prefix(limit - 1)) + "…"
    }

    /// Import names whose pip package is called something else.
    private static func pipName(_ module: String) -> String {
        let known = ["cv2": "opencv-python", "PIL": "pillow", "yaml": "pyyaml", "sklearn": "scikit-learn",
                     "skimage": "scikit-image", "google.protobuf": "protobuf", "pycocotools": "pycocotools"]
        return known[module] ?? module
    }

    private static func firstCapture<S: Sequence>(_ regex: Regex<(Substring, Substring)>, in lines: S) -> String?
    where S.Element == String {
        for line in lines {
            if let match = line.firstMatch(of: regex) { return String(match.output.1) }
        }
        return nil
    }
}
