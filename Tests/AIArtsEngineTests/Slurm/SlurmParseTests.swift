import Foundation
import Testing
@testable import AIArtsEngine

/// Parsing what Slurm 22.05 prints (captured from scripts/slurm-local.sh's cluster) and mapping a
/// job's state onto a task's. `swift test --filter SlurmParseTests`.
@Suite struct SlurmParseTests {
    /// `squeue -h --states=all -j 3,9,10,11 -o '%i|%T|%r|%N|%j'`
    static let squeue = """
        3|COMPLETED|None|vm|aiarts-T0001
        10|PENDING|Resources||aiarts-T0043
        11|PENDING|JobHeldUser||held
        9|RUNNING|None|vm|aiarts-T0042
        12|PENDING|QOSMaxGRESPerUser||a|name|with|bars
        not a line
        x|RUNNING|None|vm|bad id
        13|RUNNING|None|vm|\u{1B}]0;title\u{07}evil\u{1B}[2J
        """

    /// `scontrol show job -o 9` after `scancel 9`.
    static let cancelled = "JobId=9 JobName=aiarts-T0042 UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901751 Nice=0 Account=(null) QOS=(null) JobState=CANCELLED Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=143:0 RunTime=00:00:02 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-12-06T16:55:57 EligibleTime=2026-12-06T16:55:57 AccrueTime=2026-12-06T16:55:57 StartTime=2026-12-06T16:55:57 EndTime=2026-12-06T16:55:59 Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-12-06T16:55:57 Scheduler=Main Partition=debug AllocNode:Sid=localhost:13433 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=2 NumTasks=1 CPUs/Task=2 ReqB:S:C:T=0:0:*:* TRES=cpu=2,mem=24105M,node=1,billing=2 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=2 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/tmp StdErr=/dev/null StdIn=/dev/null StdOut=/dev/null Power= \n"

    /// `scontrol show job -o 10`: pending for resources, asking a GPU.
    static let pending = "JobId=10 JobName=aiarts-T0043 UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901750 Nice=0 Account=(null) QOS=(null) JobState=PENDING Reason=Resources Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-12-06T16:55:57 EligibleTime=2026-12-06T16:55:57 AccrueTime=2026-12-06T16:55:57 StartTime=2027-12-06T16:55:57 EndTime=Unknown Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-12-06T16:55:57 Scheduler=Backfill:* Partition=debug AllocNode:Sid=localhost:13433 ReqNodeList=(null) ExcNodeList=(null) NodeList= NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,mem=24105M,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/tmp StdErr=/dev/null StdIn=/dev/null StdOut=/dev/null Power= TresPerNode=gres:gpu:1 \n"

    /// A requeued job waiting out its begin time (`scontrol requeue 8`, then `scontrol show job -o 8`, cut).
    static let requeued = "JobId=8 JobName=aiarts-T0004 UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901752 Nice=0 Account=(null) QOS=(null) JobState=PENDING Reason=BeginTime Dependency=(null) Requeue=1 Restarts=1 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:00 TimeLimit=UNLIMITED NodeList= WorkDir=/tmp/slurm-ws1/tasks/T0004 StdOut=/tmp/slurm-ws1/tasks/T0004/train.log\n"

    @Test func squeueRowsByJobIDWithTheNameLastAndBadLinesSkipped() {
        let jobs = SlurmJobs.parseSqueue(Self.squeue)
        #expect(Set(jobs.keys) == ["3", "9", "10", "11", "12", "13"])
        #expect(jobs["3"] == SlurmJob(id: "3", state: "COMPLETED", reason: "None", nodes: "vm", name: "aiarts-T0001"))
        #expect(jobs["10"] == SlurmJob(id: "10", state: "PENDING", reason: "Resources", nodes: "", name: "aiarts-T0043"))
        #expect(jobs["12"]?.reason == "QOSMaxGRESPerUser" && jobs["12"]?.name == "a|name|with|bars")
        // A job id handed out again after the cluster's state was reset names another job.
        #expect(jobs["3"]?.canBe(task: "T0001") == true)
        #expect(jobs["3"]?.canBe(task: "T0002") == false)
        #expect(SlurmJob(id: "3", state: "RUNNING").canBe(task: "T0002"))  // no name: not known to differ
        #expect(jobs["9"]?.nodes == "vm")
    }

    @Test func scontrolShowJobReadsStateReasonNodesRestartsAndExitCode() throws {
        let job = try #require(SlurmJobs.parseScontrol(Self.cancelled))
        #expect(job == SlurmJob(id: "9", state: "CANCELLED", reason: "None", nodes: "vm", restarts: 0, exitCode: "143:0", name: "aiarts-T0042"))
        let pending = try #require(SlurmJobs.parseScontrol(Self.pending))
        #expect(pending.state == "PENDING" && pending.reason == "Resources" && pending.nodes == "")
        let requeued = try #require(SlurmJobs.parseScontrol(Self.requeued))
        #expect(requeued.restarts == 1 && requeued.reason == "BeginTime")
        #expect(SlurmJobs.parseScontrol("") == nil)
        #expect(SlurmJobs.parseScontrol("slurm_load_jobs error: Invalid job id specified\n") == nil)
        #expect(SlurmJobs.parseScontrol("JobId=1;rm JobState=RUNNING") == nil)
    }

    @Test func sacctAllocationLineAndItsCancelledByForm() throws {
        let text = "7|CANCELLED by 0|0:15|vm|None\n7.batch|CANCELLED|0:15|vm|\n"
        let job = try #require(SlurmJobs.parseSacct(text, id: "7"))
        #expect(job == SlurmJob(id: "7", state: "CANCELLED", reason: "None", nodes: "vm", exitCode: "0:15"))
        #expect(SlurmJobs.parseSacct("8|PENDING|0:0|None assigned|Priority\n", id: "8")?.nodes == "")
        #expect(SlurmJobs.parseSacct(text, id: "8") == nil)
    }

    @Test func sbatchParsableOutput() {
        #expect(SlurmJobs.parseSubmitted("42\n") == "42")
        #expect(SlurmJobs.parseSubmitted("42;cluster2\n") == "42")
        #expect(SlurmJobs.parseSubmitted("Submitted batch job 42\n") == nil)
        #expect(SlurmJobs.parseSubmitted("") == nil)
    }

    @Test func statesMapOntoTaskStatesWithSlurmsReason() {
        #expect(SlurmTaskState.of(SlurmJob(id: "1", state: "PENDING", reason: "Priority")) == .pending("pending: Priority"))
        #expect(SlurmTaskState.of(SlurmJob(id: "1", state: "PENDING", reason: "QOSMaxGRESPerUser")) == .pending("pending: QOSMaxGRESPerUser"))
        #expect(SlurmTaskState.of(SlurmJob(id: "1", state: "PENDING", reason: "None")) == .pending("pending"))
        if case let .pending(message) = SlurmTaskState.of(SlurmJob(id: "1", state: "PENDING", reason: "BeginTime")) {
            #expect(message.hasPrefix("pending: BeginTime") && message.contains("requeued"))
        } else { Issue.record("BeginTime is pending") }
        if case let .pending(message) = SlurmTaskState.of(SlurmJob(id: "1", state: "REQUEUED")) {
            #expect(message.contains("resumes from its last checkpoint"))
        } else { Issue.record("REQUEUED is pending") }
        #expect(SlurmTaskState.of(SlurmJob(id: "5", state: "RUNNING", nodes: "gpu[01-02]")) == .running("running on gpu[01-02] (Slurm job 5)"))
        #expect(SlurmTaskState.of(SlurmJob(id: "5", state: "COMPLETING", nodes: "vm")) == .running("running on vm (Slurm job 5)"))
        if case .paused = SlurmTaskState.of(SlurmJob(id: "5", state: "SUSPENDED")) {} else { Issue.record("SUSPENDED is paused") }
        for state in ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE"] {
            if case .ended = SlurmTaskState.of(SlurmJob(id: "5", state: state)) {} else { Issue.record("\(state) is an end") }
        }
    }

    @Test func endsSlurmKnowsBestWinAndTheExitRecordDecidesTheRest() {
        func end(_ state: String, exit: ExitStatus? = nil, stop: Bool = false, nodes: String = "vm", code: String? = nil, tail: [String] = [])
            -> (TaskStatus, String, ExitStatus) {
            SlurmTaskState.end(SlurmJob(id: "9", state: state, nodes: nodes, exitCode: code), exitRecord: exit, stopRequested: stop, logTail: tail, time: "10")
        }
        #expect(end("COMPLETED", exit: .exited(code: 0)).0 == .finished)
        #expect(end("COMPLETED").0 == .finished)  // no record: Slurm's word
        // Cancelled by hand, outside aiarts: stopped, and said so.
        let byHand = end("CANCELLED", exit: .signaled(signal: 15, coreDumped: false))
        #expect(byHand.0 == .stopped && byHand.1 == "cancelled outside aiarts (scancel of Slurm job 9)")
        // `task stop` asked for it.
        let asked = end("CANCELLED", exit: .signaled(signal: 15, coreDumped: false), stop: true)
        #expect(asked.0 == .stopped && asked.1 == "stopped (scancel; killed by SIGTERM)")
        let node = end("NODE_FAIL", exit: nil, nodes: "gpu07")
        #expect(node.0 == .failed && node.1.hasPrefix("node failure on gpu07:") && node.1.contains("aiarts task resume"))
        let timeout = end("TIMEOUT", exit: .signaled(signal: 15, coreDumped: false))
        #expect(timeout.0 == .failed && timeout.1.contains("time limit (time=10)"))
        #expect(end("OUT_OF_MEMORY").1.hasPrefix("out of memory"))
        #expect(end("PREEMPTED").0 == .stopped)
        // A failed trainer reads as a local one does: the classifier's reason from the log.
        let failed = end("FAILED", exit: .exited(code: 1), tail: ["Traceback (most recent call last):", "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB"])
        #expect(failed.0 == .failed && failed.2 == .exited(code: 1))
        #expect(!failed.1.isEmpty)
        #expect(end("FAILED", code: "2:0").2 == .exited(code: 2))
        // A success record beside Slurm's FAILED is an earlier run's: Slurm's code stands.
        let stale = end("FAILED", exit: .exited(code: 0), code: "1:0")
        #expect(stale.0 == .failed && stale.2 == .exited(code: 1))
        #expect(SlurmTaskState.slurmExit("0:9") == .signaled(signal: 9, coreDumped: false))
        #expect(SlurmTaskState.slurmExit("junk") == .unknown)
    }

    @Test func aJobKilledWhereANodeWentDownIsANodeFailure() {
        // `sinfo -h -N -n vm,gpu07 -o '%N|%T|%E'`
        #expect(SlurmTaskState.downNode(sinfo: "vm|idle|none\n") == nil)
        #expect(SlurmTaskState.downNode(sinfo: "vm|drained|maintenance\n") == nil)
        #expect(SlurmTaskState.downNode(sinfo: "vm|allocated|none\ngpu07|down*|Not responding\n") == "gpu07: down* (Not responding)")
        #expect(SlurmTaskState.downNode(sinfo: "gpu07|fail|bad dimm\n") == "gpu07: fail (bad dimm)")
        let job = SlurmJob(id: "9", state: "FAILED", nodes: "gpu07", exitCode: "0:9")
        let (status, message, _) = SlurmTaskState.end(job, exitRecord: nil, stopRequested: false, logTail: [], time: nil, downNode: "gpu07: down* (Not responding)")
        #expect(status == .failed)
        #expect(message == "node failure: Slurm job 9 was killed when its node went down (gpu07: down* (Not responding)); `aiarts task resume` continues from the last checkpoint")
        // A job that succeeded is not a failure, whatever its node does now.
        #expect(SlurmTaskState.end(SlurmJob(id: "9", state: "COMPLETED"), exitRecord: .exited(code: 0), stopRequested: false, logTail: [], time: nil,
                                   downNode: "gpu07: down").0 == .finished)
    }

    @Test func slurmTextIsCleanedOfEscapeSequences() {
        let jobs = SlurmJobs.parseSqueue(Self.squeue)
        #expect(jobs["13"] != nil)
        let all = SlurmJobs.parseSqueue("14|PENDING|\u{1B}[31mRes\u{1B}[0m||x\n")
        #expect(all["14"]?.reason == "Res")
    }

    @Test func failuresOfTheProgramsAreOneLine() {
        let down = SlurmCommands.failure(.squeue, .init(code: 1, stdout: "", stderr: "squeue: error: Unable to contact slurm controller (connect failure)\n"))
        #expect(down.message.hasPrefix("slurmctld does not answer: Unable to contact slurm controller"))
        #expect(!down.message.contains("\n"))
        let partition = SlurmCommands.failure(.sbatch, .init(code: 1, stdout: "", stderr: "sbatch: error: invalid partition specified: nope\nsbatch: error: Batch job submission failed: Invalid partition name specified\n"))
        #expect(partition.message == "sbatch failed: Batch job submission failed: Invalid partition name specified")
        #expect(SlurmCommands.failure(.scancel, .init(code: 3, stdout: "", stderr: "")).message == "scancel failed: exit code 3")
    }
}
