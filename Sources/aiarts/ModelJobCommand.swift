import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

/// `aiarts model job`: extraction and conversion jobs (docs/model-jobs.md).
struct ModelJobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Model jobs: read what a model is (extraction), convert it to ONNX, another opset or int8 (docs/model-jobs.md).",
        subcommands: [Create.self, List.self, Show.self, Events.self, Remove.self, Run.self]
    )

    /// "M0001", "M0001:v2", "M0001:2".
    static func parseSource(_ text: String) throws -> (String, Int?) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let model = parts.first, !model.isEmpty else { throw ValidationError("give a model as MODEL[:VERSION], e.g. M0001:v2") }
        guard parts.count == 2 else { return (model, nil) }
        let v = parts[1].hasPrefix("v") ? parts[1] : "v" + parts[1]
        return (model, try Workspace.parseModelVersion(v))
    }

    /// The job as `--json` prints it: flat, snake_case, null for what is missing.
    struct JobJSON: Encodable {
        var id, kind, state, message, source, target: String
        var model: String?
        var version: Int?
        var path: String?
        var options: [String: String]
        var result_model: String?
        var created_at: Date
        var started_at, finished_at: Date?
        var pid: Int32?
        var events: [EventJSON]?
        var extraction: ModelExtraction?
        var conversion: ModelConversionReport?

        init(_ j: ModelJobRecord) {
            id = j.id; kind = j.kind.rawValue; state = j.state.rawValue; message = j.message; source = j.source; target = j.target
            model = j.sourceModelId; version = j.sourceVersion; path = j.sourcePath; options = j.optionValues
            result_model = j.resultName; created_at = j.createdAt; started_at = j.startedAt; finished_at = j.finishedAt; pid = j.pid
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            for (k, v) in [("id", id), ("kind", kind), ("state", state), ("message", message), ("source", source), ("target", target)] {
                try c.encode(v, forKey: Key(k))
            }
            try c.encode(model, forKey: Key("model"))
            try c.encode(version, forKey: Key("version"))
            try c.encode(path, forKey: Key("path"))
            try c.encode(options, forKey: Key("options"))
            try c.encode(result_model, forKey: Key("result_model"))
            try c.encode(created_at, forKey: Key("created_at"))
            try c.encode(started_at, forKey: Key("started_at"))
            try c.encode(finished_at, forKey: Key("finished_at"))
            try c.encode(pid, forKey: Key("pid"))
            if let events { try c.encode(events, forKey: Key("events")) }
            if events != nil {
                try c.encode(extraction, forKey: Key("extraction"))
                try c.encode(conversion, forKey: Key("conversion"))
            }
        }

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ s: String) { stringValue = s }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    struct EventJSON: Encodable {
        var time: Date
        var type, reason, message: String
        init(_ e: ModelJobEvent) { time = e.time; type = e.type.rawValue; reason = e.reason; message = e.message }
    }

    static func line(_ j: ModelJobRecord) -> String {
        "\(j.id)  \(j.kind.rawValue)  \(j.source)\(j.target.isEmpty ? "" : " → \(j.target)")  \(j.state.rawValue): \(j.message)"
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a model job and start it detached.",
            discussion: "aiarts model job create MODEL[:VERSION]|--path P (--extract | --convert onnx | --convert opset=N | --convert int8 [--dynamic] [--calibration N]) [--wait] [--json]")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The registry version: M0001 (its newest version) or M0001:v2.") var model: String?
        @Option(help: ArgumentHelp("Extract an uploaded file or folder instead of a registry version.", valueName: "P")) var path: String?
        @Flag(help: "Read what the model is: format, inputs and outputs, opset, parameters.") var extract = false
        @Option(help: ArgumentHelp("Convert to onnx, opset=N or int8; the result is a new version of the model.", valueName: "TARGET")) var convert: String?
        @Flag(help: "int8: dynamic quantisation (no calibration images).") var dynamic = false
        @Option(help: ArgumentHelp("int8: calibration images from the dataset's train split (default 32).", valueName: "N")) var calibration: Int?
        @Flag(help: "Wait for the job to end; exit status 1 when it failed.") var wait = false
        @Flag(help: "Print as JSON.") var json = false

        func validate() throws {
            guard (model == nil) != (path == nil) else { throw ValidationError("give either MODEL[:VERSION] or --path P") }
            guard extract != (convert != nil) else { throw ValidationError("give either --extract or --convert TARGET") }
        }

        func run() throws {
            let workspace = try global.open()
            var spec: ModelJobSpec
            if let path {
                guard extract else { throw ValidationError("--path is extracted only; upload it with `aiarts model upload` to convert it") }
                spec = .extraction(path: URL(fileURLWithPath: path))
            } else {
                let (id, version) = try ModelJobCommand.parseSource(model ?? "")
                if let convert {
                    spec = .conversion(model: id, version: version, to: try ModelJobTarget(parsing: convert, dynamic: dynamic, calibration: calibration))
                } else {
                    spec = .extraction(model: id, version: version)
                }
            }
            if spec.kind == .extraction, dynamic || calibration != nil { throw ValidationError("--dynamic and --calibration go with --convert int8") }
            var job = try workspace.createModelJob(spec)
            if wait { job = try workspace.waitForModelJob(job.id) }
            if json { try Output.json(JobJSON(job)) } else { print(ModelJobCommand.line(job)) }
            if wait, job.state == .failed { throw ExitCode(1) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List model jobs.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let jobs = try global.open().modelJobs()
            if json { return try Output.json(jobs.map(JobJSON.init)) }
            Output.table(["ID", "KIND", "SOURCE", "TARGET", "STATE", "RESULT", "MESSAGE"], jobs.map {
                [$0.id, $0.kind.rawValue, $0.source, $0.target.isEmpty ? "-" : $0.target, $0.state.rawValue, $0.resultName ?? "-", $0.message]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a model job: its state, what it read or made, its events.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Job id (J0001).") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let d = try global.open().modelJobDetail(id)
            if json {
                var out = JobJSON(d.job)
                out.events = d.events.map(EventJSON.init)
                out.extraction = d.extraction
                out.conversion = d.conversion
                return try Output.json(out)
            }
            let j = d.job
            print("\(j.id)  \(j.kind.rawValue) of \(j.source)\(j.target.isEmpty ? "" : " → \(j.target)")")
            print("state:    \(j.state.rawValue): \(j.message)")
            if let r = j.resultName { print("result:   \(r)") }
            print("folder:   \(d.folder.path)")
            if let e = d.extraction {
                print("format:   \(e.format)  (\(e.fileCount) file\(e.fileCount == 1 ? "" : "s"), \(ModelCommand.size(e.size)))")
                for a in e.artifacts { ModelJobCommand.printArtifact(a) }
            }
            if let c = d.conversion {
                print("output:   \(c.output ?? "-")\(c.opset.map { "  opset \($0)" } ?? "")\(c.quantization.map { "  \($0)" } ?? "")")
                if let diff = c.maxAbsDiff { print("check:    max abs difference \(String(format: "%.3g", diff))\(c.tolerance.map { " (tolerance \(String(format: "%.3g", $0)))" } ?? "") on \(c.checkImages ?? c.valImages ?? 0) images") }
                if let t = c.top1Agreement { print("int8:     top-1 agreement \(String(format: "%.4f", t)) on \(c.valImages ?? 0) images") }
                if let m = c.metric, let b = c.metricBefore, let a = c.metricAfter { print("metric:   \(m) \(String(format: "%.4f", b)) → \(String(format: "%.4f", a))") }
                if let b = c.sizeBefore, let a = c.sizeAfter { print("size:     \(ModelCommand.size(b)) → \(ModelCommand.size(a))") }
            }
            print("events:")
            ModelJobCommand.printEvents(d.events)
        }
    }

    static func printArtifact(_ a: ModelArtifact) {
        print("  \(a.path)  \(a.format)  \(ModelCommand.size(a.size))\(a.error.map { "  unreadable: \($0)" } ?? "")")
        for t in a.inputs.prefix(8) { print("    in   \(t.summary)") }
        for t in a.outputs.prefix(8) { print("    out  \(t.summary)") }
        var facts: [String] = []
        if let o = a.opsets, !o.isEmpty { facts.append("opset " + o.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
        if let p = a.parameterCount { facts.append("\(p) parameters") }
        if let n = a.tensorCount { facts.append("\(n) weight tensors") }
        if let n = a.nodeCount { facts.append("\(n) nodes") }
        if let p = a.producer { facts.append("by \(p)") }
        if !facts.isEmpty { print("    " + facts.joined(separator: "; ")) }
        for (k, v) in a.details.sorted(by: { $0.key < $1.key }).prefix(12) { print("    \(k): \(v)") }
    }

    static func printEvents(_ events: [ModelJobEvent]) {
        let f = ISO8601DateFormatter()
        Output.table(["  TIME", "TYPE", "REASON", "MESSAGE"], events.map { ["  " + f.string(from: $0.time), $0.type.rawValue, $0.reason, $0.message] })
    }

    struct Events: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A model job's events: what happened, when.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Job id (J0001).") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let events = try global.open().modelJobEvents(id)
            if json { return try Output.json(events.map(EventJSON.init)) }
            ModelJobCommand.printEvents(events)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a model job (a running one is stopped); the versions it made stay.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Job id (J0001).") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            try global.open().deleteModelJob(id)
            if json { try Output.json(["deleted": id]) } else { print("\(id) deleted") }
        }
    }

    /// The job process itself, started detached by `create`.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a created job in this process (what `create` starts detached).", shouldDisplay: false)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Job id (J0001).") var id: String

        func run() throws {
            let job = try global.open().runModelJob(id)
            print(ModelJobCommand.line(job))
            if job.state == .failed { throw ExitCode(1) }
        }
    }
}
