import AIArtsEngine
@testable import AIArtsServer
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The Django dialect's `/runtime/kubernetes/`: this machine as the one node without an executor;
/// the Slurm cluster's nodes (fake Slurm programs printing 22.05-shaped output) with one, their
/// states as conditions; a controller that does not answer as one line.
@Suite struct DjangoRuntimeTests {
    static let nodes = """
        NodeName=gpu01 Arch=x86_64 CoresPerSocket=16  CPUAlloc=24 CPUEfctv=64 CPUTot=64 CPULoad=23.41 AvailableFeatures=a100 ActiveFeatures=a100 Gres=gpu:a100:4(S:0-1) GresDrain=N/A GresUsed=gpu:a100:2(IDX:0-1) NodeAddr=10.0.0.11 NodeHostName=gpu01 Version=22.05.8 OS=Linux 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023  RealMemory=515000 AllocMem=131072 FreeMem=301234 Sockets=2 Boards=1 State=MIXED ThreadsPerCore=2 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=gpu  BootTime=2026-11-30T08:00:00 SlurmdStartTime=2026-11-30T08:01:10 LastBusyTime=2026-12-06T15:00:00 CfgTRES=cpu=64,mem=515000M,billing=64 AllocTRES=cpu=24,mem=128G CapWatts=n/a CurrentWatts=0 AveWatts=0 ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s
        NodeName=gpu02 Arch=x86_64 CoresPerSocket=16  CPUAlloc=0 CPUEfctv=64 CPUTot=64 CPULoad=0.02 AvailableFeatures=a100 ActiveFeatures=a100 Gres=gpu:a100:4(S:0-1) GresDrain=N/A GresUsed=gpu:a100:0(IDX:N/A) NodeAddr=10.0.0.12 NodeHostName=gpu02 Version=22.05.8 OS=Linux 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023  RealMemory=515000 AllocMem=0 FreeMem=510000 Sockets=2 Boards=1 State=IDLE+DRAIN ThreadsPerCore=2 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A Partitions=gpu,debug  BootTime=2026-11-30T08:00:00 SlurmdStartTime=2026-11-30T08:01:10 LastBusyTime=2026-12-05T09:00:00 CfgTRES=cpu=64,mem=515000M,billing=64 AllocTRES= CapWatts=n/a CurrentWatts=0 AveWatts=0 ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s Reason=ECC errors on GPU 2 [admin@2026-12-05T09:12:44]

        """
    static let partitions = """
        PartitionName=gpu AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL Default=YES QoS=N/A DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=1-00:00:00 MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED Nodes=gpu[01-02] PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE PreemptMode=OFF State=UP TotalCPUs=128 TotalNodes=2 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED TRES=cpu=128,mem=1030000M,node=2,billing=128
        PartitionName=debug AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL Default=NO QoS=N/A DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=30:00 MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED Nodes=gpu02 PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE PreemptMode=OFF State=UP TotalCPUs=64 TotalNodes=1 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED TRES=cpu=64,mem=515000M,node=1,billing=64

        """
    static let jobs = """
        301|alice|RUNNING|gpu|1|16|64G|gres:gpu:a100:2|1:00:00|gpu01|None|aiarts-T0001
        302|bob|RUNNING|gpu|1|8|64G|N/A|0:30|gpu01|None|notebook
        303|alice|PENDING|gpu|1|4|0|gres:gpu:4|0:00||Resources|aiarts-T0002

        """

    /// Fake scontrol and squeue for the fixture's workspace; `down`: the controller cannot be reached.
    static func fakeSlurm(_ fixture: ServerFixture, down: Bool = false) throws -> URL {
        let bin = fixture.root.appendingPathComponent("slurm-bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for (name, text) in [("nodes.out", nodes), ("partitions.out", partitions), ("jobs.out", jobs)] {
            try Data(text.utf8).write(to: bin.appendingPathComponent(name))
        }
        let fail = #"echo "slurm_load_partitions: Unable to contact slurm controller (connect failure)" >&2; exit 1"#
        let scripts = [
            "scontrol": down ? fail : #"d=$(dirname "$0"); if [ "$1" = "-d" ]; then cat "$d/nodes.out"; else cat "$d/partitions.out"; fi"#,
            "squeue": #"cat "$(dirname "$0")/jobs.out""#,
        ]
        for (name, body) in scripts {
            let url = bin.appendingPathComponent(name)
            try Data(("#!/bin/sh\n" + body + "\n").utf8).write(to: url)
            chmod(url.path, 0o755)
        }
        SlurmCommands.setOverride(SlurmCommands(binFolder: bin.path), for: fixture.workspace.root)
        return bin
    }

    static func list(_ response: TestResponse) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [[String: Any]] ?? []
    }

    static func condition(_ node: [String: Any], _ type: String) -> [String: Any]? {
        (node["Conditions"] as? [[String: Any]])?.first { $0["Type"] as? String == type }
    }

    @Test func withoutAnExecutorThisMachineIsTheOneNode() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let denied = try await client.execute(uri: "/runtime/kubernetes/", method: .get)
            #expect(denied.status == .unauthorized)
            let noSlash = try await client.execute(uri: "/runtime/kubernetes", method: .get, headers: fixture.headers(.viewer))
            #expect(noSlash.status == .notFound)
            let response = try await client.execute(uri: "/runtime/kubernetes/", method: .get, headers: fixture.headers(.viewer))
            #expect(response.status == .ok)
            let nodes = Self.list(response)
            #expect(nodes.count == 1)
            let node = try #require(nodes.first)
            let host = ProcessInfo.processInfo.hostName
            #expect((node["Addresses"] as? [String: Any])?["Hostname"] as? String == host)
            #expect(((node["Addresses"] as? [String: Any])?["InternalIP"] as? String)?.contains(".") == true)
            let ready = try #require(Self.condition(node, "Ready"))
            #expect(ready["Status"] as? String == "True" && ready["Reason"] as? String == "AiartsLocal")
            #expect((ready["LastHeartbeatTime"] as? String)?.range(of: #"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"#, options: .regularExpression) != nil)
            #expect((node["Capacity"] as? [String: Any])?["cpu"] as? String == String(ProcessInfo.processInfo.activeProcessorCount))
            #expect(((node["Capacity"] as? [String: Any])?["memory"] as? String)?.hasSuffix("Ki") == true)
            #expect(node["Non-terminated Pods"] is [Any] && node["System Info"] is [String: Any])

            let one = try await client.execute(uri: "/runtime/kubernetes/?node=\(host)", method: .get, headers: fixture.headers(.viewer))
            #expect(one.status == .ok && one.json["Addresses"] != nil)
            let none = try await client.execute(uri: "/runtime/kubernetes/?node=nope", method: .get, headers: fixture.headers(.viewer))
            #expect(none.status == .notFound && (none.json["detail"] as? String)?.contains("no node named nope") == true)
        }
    }

    @Test func withASlurmExecutorTheClustersNodesWithTheirStatesAsConditions() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove(); SlurmCommands.setOverride(nil, for: fixture.workspace.root) }
        _ = try Self.fakeSlurm(fixture)
        try fixture.workspace.addExecutor(ExecutorRecord(name: "lab", partition: "debug"))
        let project = try fixture.workspace.createProject(name: "p", type: .classification)
        let task = try fixture.workspace.createTask(projectID: project.id, trainer: .command, params: ["command": "true"])
        try await fixture.workspace.store.pool.write { db in
            try db.execute(sql: "UPDATE task SET executor = 'lab', slurmJobId = '301' WHERE id = ?", arguments: [task.id])
        }
        try await fixture.test { client in
            let response = try await client.execute(uri: "/runtime/kubernetes/", method: .get, headers: fixture.headers(.viewer))
            #expect(response.status == .ok)
            let nodes = Self.list(response)
            #expect(nodes.map { $0["Name"] as? String } == ["gpu01", "gpu02"])
            let gpu01 = nodes[0], gpu02 = nodes[1]
            #expect((gpu01["Addresses"] as? [String: Any])?["InternalIP"] as? String == "10.0.0.11")
            let ready = try #require(Self.condition(gpu01, "Ready"))
            #expect(ready["Status"] as? String == "True" && ready["Reason"] as? String == "MIXED")
            #expect((gpu01["Capacity"] as? [String: Any])?["nvidia.com/gpu"] as? String == "4")
            #expect((gpu01["Capacity"] as? [String: Any])?["cpu"] as? String == "64")
            #expect((gpu01["Allocated resources"] as? [String: Any])?["nvidia.com/gpu"] as? String == "2 (50%)")
            let pods = gpu01["Non-terminated Pods"] as? [[String: Any]] ?? []
            #expect(pods.map { $0["Job ID"] as? String } == ["301", "302"])
            #expect(pods.first?["Task"] as? String == task.id && pods.first?["CPU Requests"] as? String == "16 (25%)")
            #expect(pods.last?["Task"] is NSNull && pods.last?["Name"] as? String == "notebook")

            let drainedReady = try #require(Self.condition(gpu02, "Ready"))
            #expect(drainedReady["Status"] as? String == "False" && drainedReady["Reason"] as? String == "IDLE+DRAIN")
            #expect(drainedReady["Message"] as? String == "ECC errors on GPU 2 [admin@2026-12-05T09:12:44]")
            #expect(Self.condition(gpu02, "SchedulingDisabled")?["Status"] as? String == "True")
            #expect(Self.condition(gpu02, "NotResponding")?["Status"] as? String == "False")
            #expect(gpu02["Unschedulable"] as? Bool == true)
            #expect((gpu02["System Info"] as? [String: Any])?["Kernel Version"] as? String == "5.15.0-91-generic")

            let lab = try await client.execute(uri: "/runtime/kubernetes/?executor=lab", method: .get, headers: fixture.headers(.viewer))
            #expect(Self.list(lab).map { $0["Name"] as? String } == ["gpu02"])
            let unknown = try await client.execute(uri: "/runtime/kubernetes/?executor=nope", method: .get, headers: fixture.headers(.viewer))
            #expect(unknown.status == .notFound)
        }
    }

    @Test func aControllerThatCannotBeReachedIsOneLine() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove(); SlurmCommands.setOverride(nil, for: fixture.workspace.root) }
        _ = try Self.fakeSlurm(fixture, down: true)
        try fixture.workspace.addExecutor(ExecutorRecord(name: "lab"))
        try await fixture.test { client in
            let response = try await client.execute(uri: "/runtime/kubernetes/", method: .get, headers: fixture.headers(.viewer))
            #expect(response.status.code >= 400 && response.status.code < 600)
            let detail = response.json["detail"] as? String ?? ""
            #expect(detail.contains("Unable to contact slurm controller") && !detail.contains("\n"), "\(detail)")
        }
    }
}
