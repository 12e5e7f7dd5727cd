import Foundation
import Testing
@testable import AIArtsEngine

/// The batch script and run script a task on Slurm is submitted with, and how its parameters become
/// Slurm resources. `swift test --filter SlurmBatchScriptTests`.
@Suite struct SlurmBatchScriptTests {
    static let plan = TaskLaunchPlan(executable: "/opt/aiarts/bin/aiarts-train",
                                     arguments: ["train", "--out", "/shared/ws/tasks/T0001", "--epochs", "3"],
                                     addedEnvironment: ["AIARTS_METRICS": "/shared/ws/tasks/T0001/metrics.jsonl", "CUDA_VISIBLE_DEVICES": "0,1",
                                                        "AIARTS_TASK_ID": "T0001"])

    static func script(_ executor: ExecutorRecord = ExecutorRecord(name: "hpc", partition: "gpu", account: "lab", qos: "normal", constraint: "a100"),
                       resources: SlurmResources = SlurmResources(gpus: 2, cpus: 8, memory: "32G", time: "2:00:00"),
                       folder: String = "/shared/ws/tasks/T0001") -> SlurmBatchScript {
        SlurmBatchScript(taskID: "T0001", folder: URL(fileURLWithPath: folder), workspace: URL(fileURLWithPath: "/shared/ws"),
                         aiarts: "/opt/aiarts/bin/aiarts", executor: executor, resources: resources)
    }

    @Test func theBatchScriptNamesTheJobLogsToTrainLogAndAsksTheResources() throws {
        let text = Self.script().batch
        let directives = text.split(separator: "\n").filter { $0.hasPrefix("#SBATCH ") }.map { String($0.dropFirst(8)) }
        #expect(directives == ["--job-name=aiarts-T0001", "--output=/shared/ws/tasks/T0001/train.log", "--open-mode=append",
                               "--chdir=/shared/ws/tasks/T0001", "--requeue", "--partition=gpu", "--account=lab", "--qos=normal",
                               "--constraint=a100", "--gres=gpu:2", "--cpus-per-task=8", "--mem=32G", "--time=2:00:00"])
        // The same supervisor a local run has writes exit_status; the run script is what it runs.
        #expect(text.contains("exec /bin/sh -c 'status_file=$1"))
        #expect(text.contains("aiarts-supervise \"$folder/exit_status\" '' /bin/sh \"$folder/slurm-run.sh\""))
        // A requeued job asks aiarts to point the run at the last checkpoint first.
        #expect(text.contains("if [ \"${SLURM_RESTART_COUNT:-0}\" -gt 0 ]; then"))
        #expect(text.contains("/opt/aiarts/bin/aiarts --workspace /shared/ws executor requeued T0001 || { echo \"aiarts: the requeued job could not be pointed at its last checkpoint (above); aiarts task resume T0001 continues it\"; exit 1; }"))
        // An earlier run's record goes first, so a requeue that fails before the trainer leaves none.
        let removed = try #require(text.range(of: "rm -f \"$folder/exit_status\""))
        #expect(removed.lowerBound < text.range(of: "SLURM_RESTART_COUNT")!.lowerBound)
    }

    @Test func theBatchScriptRunsUnderShAndItsSupervisorRecordsTheExit() throws {
        let folder = TempFolder("aiarts-slurm-script")
        let script = Self.script(ExecutorRecord(name: "x"), resources: SlurmResources(), folder: folder.url.path)
        try Data(script.batch.utf8).write(to: folder.path("slurm.sbatch"))
        try Data("#!/bin/sh\necho trained\nexit 3\n".utf8).write(to: folder.path("slurm-run.sh"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [folder.path("slurm.sbatch").path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 3)
        #expect(ExitRecord.read(from: folder.path("exit_status"))?.status == .exited(code: 3))
    }

    @Test func aFolderWithASpaceGoesOnSbatchsCommandLine() {
        let script = Self.script(folder: "/shared/my ws/tasks/T0001")
        #expect(!script.batch.contains("#SBATCH --output"))
        #expect(script.commandLineOptions == ["--output=/shared/my ws/tasks/T0001/train.log", "--chdir=/shared/my ws/tasks/T0001"])
        #expect(script.batch.contains("folder='/shared/my ws/tasks/T0001'"))
    }

    @Test func theRunScriptIsTheLaunchPlanWithoutAiartsGPUChoice() throws {
        let text = try SlurmBatchScript.run(plan: Self.plan, taskID: "T0001", nodes: 1, gpusPerNode: 2)
        #expect(text.contains("export AIARTS_METRICS=/shared/ws/tasks/T0001/metrics.jsonl\n"))
        #expect(!text.contains("CUDA_VISIBLE_DEVICES"))
        #expect(text.hasSuffix("exec /opt/aiarts/bin/aiarts-train train --out /shared/ws/tasks/T0001 --epochs 3\n"))
    }

    @Test func severalNodesRunTorchrunThroughSrunWithTheFirstHostAsRendezvous() throws {
        let torch = TaskLaunchPlan(executable: "/venv/bin/python",
                                   arguments: ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "/ws/tasks/T0002/aiarts_torch.py", "train", "--epochs", "5"],
                                   addedEnvironment: ["PYTHONUNBUFFERED": "1"])
        let text = try SlurmBatchScript.run(plan: torch, taskID: "T0002", nodes: 4, gpusPerNode: 2)
        #expect(text.contains("head=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\n"))
        #expect(text.contains("exec srun --ntasks-per-node=1 --kill-on-bad-exit=1 /venv/bin/python -m torch.distributed.run --nnodes \"$SLURM_NNODES\" --nproc_per_node 2 --rdzv-backend c10d --rdzv-id \"$SLURM_JOB_ID\" --rdzv-endpoint \"$head:29500\" /ws/tasks/T0002/aiarts_torch.py train --epochs 5"))
        #expect(!text.contains("--standalone"))
        // A single-GPU torch command gains torchrun too.
        let single = TaskLaunchPlan(executable: "/venv/bin/python", arguments: ["/ws/t/aiarts_torch.py", "train"], addedEnvironment: [:])
        #expect(try SlurmBatchScript.distributedArguments(plan: single, gpusPerNode: 0).prefix(7) == ["/venv/bin/python", "-m", "torch.distributed.run", "--nnodes", "$SLURM_NNODES", "--nproc_per_node", "1"])
        #expect(throws: AIArtsError.self) { try SlurmBatchScript.distributedArguments(plan: Self.plan, gpusPerNode: 1) }
        #expect(try Self.script(resources: SlurmResources(nodes: 4)).batch.contains("#SBATCH --nodes=4\n#SBATCH --ntasks-per-node=1"))
    }

    @Test func resourcesFromParams() throws {
        #expect(try SlurmResources(params: [:]) == SlurmResources())
        #expect(try SlurmResources(params: ["gpus": "2", "cpus": "4", "memory": "16G", "time": "1-00:00:00", "nodes": "2"])
                == SlurmResources(gpus: 2, cpus: 4, memory: "16G", time: "1-00:00:00", nodes: 2))
        #expect(try SlurmResources(params: ["gpus": "0,1,2"]).gpus == 3)
        #expect(try SlurmResources(params: ["gpus": ""]).gpus == 0)
        #expect(try SlurmResources(params: ["gpus": "auto"]).gpus == 0)
        for (key, value) in [("cpus", "0"), ("cpus", "many"), ("memory", "16 G"), ("memory", "16GB"), ("memory", "-1"),
                             ("time", "2h"), ("time", "1:2:3:4"), ("time", ":30"), ("nodes", "0"), ("time", "$(reboot)")] {
            let error = #expect(throws: AIArtsError.self) { try SlurmResources.validate(key, value) }
            #expect(error?.kind == .invalidArgument)
            #expect(error?.message.hasPrefix("\(key)=") == true)
        }
        for (key, value) in [("memory", "8000"), ("memory", "512m"), ("time", "30"), ("time", "30:00"), ("time", "2-12")] {
            try SlurmResources.validate(key, value)
        }
        // The task's own parameter check takes them for every trainer.
        try TaskParams.validate("cpus", "4", trainer: .aiartsTrain)
        #expect(throws: AIArtsError.self) { try TaskParams.validate("memory", "lots", trainer: .torch) }
    }
}
