import Foundation

/// What a task asks of Slurm, from its parameters (docs/slurm.md, "Resources"):
/// `gpus` → `--gres=gpu:N` (on an executor `gpus` is a count; a comma list counts its entries),
/// `cpus` → `--cpus-per-task`, `memory` → `--mem` (16G, 8000M, 8000 = MiB), `time` → `--time`
/// (minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]), `nodes` → `--nodes` (more than one: torch only, through
/// srun and torchrun).
public struct SlurmResources: Equatable, Sendable {
    public var gpus = 0
    public var cpus: Int?
    public var memory: String?
    public var time: String?
    public var nodes = 1

    /// The parameters only an executor reads; a local run ignores them.
    public static let keys: Set<String> = ["cpus", "memory", "time", "nodes"]

    public init(gpus: Int = 0, cpus: Int? = nil, memory: String? = nil, time: String? = nil, nodes: Int = 1) {
        self.gpus = gpus; self.cpus = cpus; self.memory = memory; self.time = time; self.nodes = nodes
    }

    public init(params: [String: String]) throws {
        for key in Self.keys { if let value = params[key], !value.isEmpty { try Self.validate(key, value) } }
        let gpus = params["gpus"] ?? ""
        if gpus.contains(",") {
            self.gpus = gpus.split(separator: ",").count
        } else {
            self.gpus = Int(gpus) ?? 0
        }
        cpus = params["cpus"].flatMap { Int($0) }
        memory = params["memory"].flatMap { $0.isEmpty ? nil : $0 }
        time = params["time"].flatMap { $0.isEmpty ? nil : $0 }
        nodes = params["nodes"].flatMap { Int($0) } ?? 1
    }

    /// Throws `.invalidArgument` saying what is wrong with `key=value` (cpus, memory, time, nodes).
    public static func validate(_ key: String, _ value: String) throws {
        func bad(_ why: String) -> AIArtsError { AIArtsError(.invalidArgument, "\(key)=\(TerminalText.finalRedraw(value)): \(why)") }
        switch key {
        case "cpus", "nodes":
            guard let n = Int(value), n >= 1, n <= 100_000 else { throw bad("must be a whole number from 1 to 100000") }
        case "memory":
            let digits = value.prefix { $0.isNumber }
            let unit = value.dropFirst(digits.count)
            guard !digits.isEmpty, digits.count <= 9, ["", "K", "M", "G", "T"].contains(unit.uppercased()) else {
                throw bad("give the memory per node as Slurm takes it, e.g. 16G, 8000M or 8000 (MiB)")
            }
        case "time":
            let ok = value.count <= 20 && !value.isEmpty && value.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ":" || $0 == "-") }
                && value.first!.isNumber && value.last!.isNumber && value.filter({ $0 == "-" }).count <= 1
                && value.filter({ $0 == ":" }).count <= 2
            guard ok else { throw bad("give a Slurm time limit: minutes, MM:SS, HH:MM:SS or D-HH:MM:SS, e.g. 2:00:00") }
        default: break
        }
    }

    /// The `#SBATCH` options for them.
    var sbatchOptions: [String] {
        var out: [String] = []
        if nodes > 1 { out += ["--nodes=\(nodes)", "--ntasks-per-node=1"] }
        if gpus > 0 { out.append("--gres=gpu:\(gpus)") }
        if let cpus { out.append("--cpus-per-task=\(cpus)") }
        if let memory { out.append("--mem=\(memory)") }
        if let time { out.append("--time=\(time)") }
        return out
    }
}

/// The files a task on Slurm runs from, written into its folder:
/// - `slurm.sbatch`, the batch script: job name `aiarts-T0001`, output appended to train.log,
///   `--chdir` the task folder, the executor's partition/account/QOS/constraint and the task's
///   resources; it runs `slurm-run.sh` under the same supervisor a local run has, so the same
///   `exit_status` record is written (docs/runner.md); on a requeue (`SLURM_RESTART_COUNT` > 0) it
///   first asks aiarts to point `slurm-run.sh` at the last checkpoint (`aiarts executor requeued T`).
/// - `slurm-run.sh`, the trainer command (the same `TaskLaunchPlan` a local start runs), rewritten
///   when a requeued job resumes.
struct SlurmBatchScript: Equatable {
    static let batchFileName = "slurm.sbatch"
    static let runFileName = "slurm-run.sh"
    /// torchrun's rendezvous port on the first node of a multi-node job.
    static let rendezvousPort = 29500

    var taskID: String
    var folder: URL
    var workspace: URL
    /// The aiarts binary the batch script calls on a requeue (the same path on every node).
    var aiarts: String
    var executor: ExecutorRecord
    var resources: SlurmResources

    static func jobName(_ taskID: String) -> String { "aiarts-\(taskID)" }

    /// The batch script.
    var batch: String {
        let q = TaskLaunchPlan.quote
        let folderPath = folder.path
        var lines = ["#!/bin/sh"]
        let options = ["--job-name=\(Self.jobName(taskID))", "--output=\(folderPath)/train.log", "--open-mode=append",
                       "--chdir=\(folderPath)", "--requeue"] + executor.sbatchOptions + resources.sbatchOptions
        // #SBATCH lines are read by sbatch itself, not by a shell: a path with a space would be cut,
        // so such values go on sbatch's command line instead (`commandLineOptions`).
        for option in options where !option.contains(" ") { lines.append("#SBATCH \(option)") }
        lines += [
            "# Written by aiarts for \(taskID) on executor \(executor.name); `aiarts task start` rewrites it.",
            "folder=\(q(folderPath))",
            "cd \"$folder\" || exit 1",
            "export AIARTS_TASK_ID=\(q(taskID))",
            "# An earlier run's record (a requeued job's) must not describe this one, even if it ends early.",
            "rm -f \"$folder/exit_status\"",
            "if [ \"${SLURM_RESTART_COUNT:-0}\" -gt 0 ]; then",
            "  # Requeued or preempted: continue from the last checkpoint, as `aiarts task resume` does.",
            "  echo \"aiarts: Slurm job $SLURM_JOB_ID restarted (restart $SLURM_RESTART_COUNT)\"",
            "  \(q(aiarts)) --workspace \(q(workspace.path)) executor requeued \(q(taskID)) || { echo \"aiarts: the requeued job could not be pointed at its last checkpoint (above); aiarts task resume \(taskID) continues it\"; exit 1; }",
            "fi",
            "exec /bin/sh -c \(q(Supervisor.script)) \(Supervisor.marker) \"$folder/exit_status\" '' /bin/sh \"$folder/\(Self.runFileName)\"",
            "",
        ]
        return lines.joined(separator: "\n")
    }

    /// Options whose values hold spaces, given on sbatch's command line (see `batch`).
    var commandLineOptions: [String] {
        (["--output=\(folder.path)/train.log", "--chdir=\(folder.path)"]).filter { $0.contains(" ") }
    }

    /// `slurm-run.sh`: the launch plan's environment and command. Slurm sets CUDA_VISIBLE_DEVICES from
    /// the GPUs it gave, so aiarts's own value is left out. With nodes > 1 (torch), `srun` starts
    /// torchrun once per node, rendezvousing at the first host of the job's node list.
    static func run(plan: TaskLaunchPlan, taskID: String, nodes: Int, gpusPerNode: Int) throws -> String {
        let q = TaskLaunchPlan.quote
        var lines = ["#!/bin/sh", "# \(taskID)'s trainer command (command.txt says the same); aiarts rewrites it when a requeued job resumes."]
        for (key, value) in plan.addedEnvironment.sorted(by: { $0.key < $1.key }) where key != "CUDA_VISIBLE_DEVICES" {
            lines.append("export \(key)=\(q(value))")
        }
        if nodes > 1 {
            let argv = try distributedArguments(plan: plan, gpusPerNode: gpusPerNode)
            lines += [
                "head=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)",
                "exec srun --ntasks-per-node=1 --kill-on-bad-exit=1 " + argv.map { word in
                    word.hasPrefix("$") ? "\"\(word)\"" : q(word)
                }.joined(separator: " "),
            ]
        } else {
            lines.append("exec " + ([plan.executable] + plan.arguments).map(q).joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// torchrun across nodes: the torch trainer's `python [-m torch.distributed.run --standalone
    /// --nproc_per_node N] script args` becomes `python -m torch.distributed.run --nnodes $SLURM_NNODES
    /// --nproc_per_node N --rdzv-backend c10d --rdzv-id $SLURM_JOB_ID --rdzv-endpoint $head:29500 script args`.
    /// Words starting with `$` are expanded by the shell on each node.
    static func distributedArguments(plan: TaskLaunchPlan, gpusPerNode: Int) throws -> [String] {
        var rest = plan.arguments
        if rest.starts(with: ["-m", "torch.distributed.run"]) {
            rest.removeFirst(2)
            // Drop the single-node options the trainer's command carries.
            var kept: [String] = []
            var i = 0
            while i < rest.count {
                if rest[i] == "--standalone" { i += 1; continue }
                if rest[i] == "--nproc_per_node" { i += 2; continue }
                kept.append(rest[i]); i += 1
            }
            rest = kept
        }
        guard rest.first?.hasSuffix(".py") == true else {
            throw AIArtsError(.invalidArgument, "nodes>1 runs torchrun, which needs a Python script to start; this task's command cannot be spread over nodes")
        }
        return [plan.executable, "-m", "torch.distributed.run", "--nnodes", "$SLURM_NNODES", "--nproc_per_node", String(max(1, gpusPerNode)),
                "--rdzv-backend", "c10d", "--rdzv-id", "$SLURM_JOB_ID", "--rdzv-endpoint", "$head:\(rendezvousPort)"] + rest
    }
}
