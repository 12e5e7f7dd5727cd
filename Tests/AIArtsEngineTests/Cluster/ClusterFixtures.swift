import Foundation

/// Slurm 22.05's output for the cluster view. The `real…` fixtures were captured from the one-node
/// cluster of scripts/slurm-local.sh (node `vm`, two fake GPUs); the others keep that exact shape
/// (field order, double spaces, `-d`'s GresDrain/GresUsed) with more nodes, partitions and states.
enum ClusterFixtures {
    /// `scontrol -d show node -o`, idle.
    static let realIdleNode = """
        NodeName=vm Arch=x86_64 CoresPerSocket=2  CPUAlloc=0 CPUEfctv=2 CPUTot=2 CPULoad=1.75 AvailableFeatures=(null) ActiveFeatures=(null) Gres=gpu:2 GresDrain=N/A GresUsed=gpu:0 NodeAddr=vm NodeHostName=vm Version=22.05.8 OS=Linux 6.18.44-fc-v1300 #1 SMP PREEMPT_DYNAMIC @0  RealMemory=24105 AllocMem=0 FreeMem=18467 Sockets=1 Boards=1 State=IDLE ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=debug  BootTime=2026-12-06T01:54:14 SlurmdStartTime=2026-12-06T16:27:52 LastBusyTime=2026-12-06T16:27:52 CfgTRES=cpu=2,mem=24105M,billing=2 AllocTRES= CapWatts=n/a CurrentWatts=0 AveWatts=0 ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s

        """
    /// The same node running `sbatch --gres=gpu:1 -c 1 --mem=100`.
    static let realMixedNode = """
        NodeName=vm Arch=x86_64 CoresPerSocket=2  CPUAlloc=1 CPUEfctv=2 CPUTot=2 CPULoad=1.75 AvailableFeatures=(null) ActiveFeatures=(null) Gres=gpu:2 GresDrain=N/A GresUsed=gpu:1 NodeAddr=vm NodeHostName=vm Version=22.05.8 OS=Linux 6.18.44-fc-v1300 #1 SMP PREEMPT_DYNAMIC @0  RealMemory=24105 AllocMem=100 FreeMem=18467 Sockets=1 Boards=1 State=MIXED ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=debug  BootTime=2026-12-06T01:54:14 SlurmdStartTime=2026-12-06T16:27:52 LastBusyTime=2026-12-06T16:27:52 CfgTRES=cpu=2,mem=24105M,billing=2 AllocTRES=cpu=1,mem=100M CapWatts=n/a CurrentWatts=0 AveWatts=0 ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s

        """
    /// `scontrol show partition -o`.
    static let realPartition = """
        PartitionName=debug AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL Default=YES QoS=N/A DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=UNLIMITED MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED Nodes=vm PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE PreemptMode=OFF State=UP TotalCPUs=2 TotalNodes=1 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED TRES=cpu=2,mem=24105M,node=1,billing=2

        """
    /// `squeue -h -o ClusterParse.squeueFormat`: a running job whose name holds the separator, and
    /// one pending for Resources.
    static let realJobs = """
        5|root|PENDING|debug|1|2|0|gres:gpu:2|0:00||Resources|pend
        4|root|RUNNING|debug|1|1|100M|gres:gpu:1|0:00|vm|None|aiarts-T9999 x|y

        """

    /// Three GPU nodes in two partitions: typed gres with sockets, a draining node whose reason holds
    /// an OSC title sequence, a BEL and an `=`; a node down and not responding; a line that is no record.
    static var gpuNodes: String {
        let esc = "\u{1B}"
        return """
            NodeName=gpu01 Arch=x86_64 CoresPerSocket=16  CPUAlloc=24 CPUEfctv=64 CPUTot=64 CPULoad=23.41 AvailableFeatures=a100 ActiveFeatures=a100 Gres=gpu:a100:4(S:0-1) GresDrain=N/A GresUsed=gpu:a100:3(IDX:0-2) NodeAddr=10.0.0.11 NodeHostName=gpu01 Version=22.05.8 OS=Linux 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023  RealMemory=515000 AllocMem=196608 FreeMem=301234 Sockets=2 Boards=1 State=MIXED ThreadsPerCore=2 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=gpu,debug  BootTime=2026-11-30T08:00:00 SlurmdStartTime=2026-11-30T08:01:10 LastBusyTime=2026-12-06T15:00:00 CfgTRES=cpu=64,mem=515000M,billing=64,gres/gpu=4 AllocTRES=cpu=24,mem=192G,gres/gpu=3 CapWatts=n/a CurrentWatts=0 AveWatts=0 ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s
            NodeName=gpu02 Arch=x86_64 CoresPerSocket=16  CPUAlloc=8 CPUEfctv=64 CPUTot=64 CPULoad=0.02 AvailableFeatures=a100 ActiveFeatures=a100 Gres=gpu:a100:4(S:0-1) GresDrain=N/A GresUsed=gpu:a100:1(IDX:0) NodeAddr=10.0.0.12 NodeHostName=gpu02 Version=22.05.8 OS=Linux 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023  RealMemory=515000 AllocMem=65536 FreeMem=510000 Sockets=2 Boards=1 State=MIXED+DRAIN ThreadsPerCore=2 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=gpu  BootTime=2026-11-30T08:00:00 SlurmdStartTime=2026-11-30T08:01:10 LastBusyTime=2026-12-05T09:00:00 CfgTRES=cpu=64,mem=515000M,billing=64,gres/gpu=4 AllocTRES=cpu=8,mem=64G,gres/gpu=1 CapWatts=n/a CurrentWatts=0 AveWatts=0 ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s Reason=ECC errors\(esc)]0;owned\u{07} on GPU 2 state=bad [admin@2026-12-05T09:12:44]
            NodeName=old03 Arch=x86_64 CoresPerSocket=4  CPUAlloc=0 CPUEfctv=8 CPUTot=8 CPULoad=N/A AvailableFeatures=(null) ActiveFeatures=(null) Gres=gpu:2(S:0) GresDrain=N/A GresUsed=gpu:0 NodeAddr=old03 NodeHostName=old03 Version=22.05.8 OS=Linux 5.10.0-26-amd64 #1 SMP Debian 5.10.197-1 (2023-09-29)  RealMemory=64000 AllocMem=0 FreeMem=N/A Sockets=2 Boards=1 State=DOWN+NOT_RESPONDING ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=debug  BootTime=None SlurmdStartTime=None LastBusyTime=2026-12-01T00:00:00 CfgTRES=cpu=8,mem=62.50G,billing=8 AllocTRES= CapWatts=n/a CurrentWatts=0 AveWatts=0 ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s Reason=Not responding [slurm@2026-12-01T00:05:00]
            scontrol: error: this is not a node record

            """
    }

    static let gpuPartitions = """
        PartitionName=gpu AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL Default=NO QoS=N/A DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=1-00:00:00 MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED Nodes=gpu[01-02] PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE PreemptMode=OFF State=UP TotalCPUs=128 TotalNodes=2 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED TRES=cpu=128,mem=1030000M,node=2,billing=128,gres/gpu=8
        PartitionName=debug AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL Default=YES QoS=N/A DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=30:00 MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED Nodes=gpu01,old03 PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE PreemptMode=OFF State=UP TotalCPUs=72 TotalNodes=2 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED TRES=cpu=72,mem=579000M,node=2,billing=72

        """

    /// Jobs: two aiarts-named jobs (only one of them is this workspace's, by id), another user's
    /// job on two nodes with typed GPUs, a job pending on two partitions, and a line cut short.
    static let gpuJobs = """
        101|alice|RUNNING|gpu|1|16|128G|gres:gpu:a100:2|3:12:09|gpu01|None|aiarts-T0003
        102|bob|RUNNING|gpu|2|16|32G|gres/gpu:a100:1|1-02:00:00|gpu[01-02]|None|bert-large
        103|alice|PENDING|gpu,debug|1|8|0|gres:gpu:4|0:00||Priority|aiarts-T0004
        104|carol|RUNNING|debug|1|4|4G|N/A|0:10|gpu01|None|aiarts-T0003
        105|dave|RUNN

        """
}
