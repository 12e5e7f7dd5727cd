import Foundation
import Testing
@testable import AIArtsEngine

extension GPUTests {
    @Suite struct GPUFixtureTests {
        func monitor(_ path: String) -> GPUMonitor {
            GPUMonitor(environment: [GPUFixture.environmentKey: path], nvml: { .failure(GPUSourceError("unused")) })
        }

        @Test func theFixtureFileDescribesTheGPUs() {
            let snapshot = monitor(GPUFixtures.url("fixture-two-gpus.json").path).snapshot()
            #expect(snapshot.source == .fixture)
            #expect(snapshot.gpus.count == 2)
            let first = snapshot.gpus[0]
            #expect(first.name == "Fixture GPU 0" && first.uuid == "GPU-fixture-0")
            #expect(first.memoryTotal == 25_769_803_776 && first.memoryUsed == 4_294_967_296)
            // Free memory follows from total and used when the file leaves it out.
            #expect(first.memoryFree == UInt64(25_769_803_776 - 4_294_967_296))
            #expect(first.processes == [GPUProcess(pid: 12345, memory: 4_294_967_296, task: "T0007")])
            #expect(snapshot.gpus[1].utilization == nil && snapshot.gpus[1].memoryAvailable == 25_769_803_776)
        }

        @Test func theFileIsReadAgainOnEverySnapshot() throws {
            let folder = TempFolder("aiarts-fixture")
            let file = folder.write("gpus.json", #"[{"memory_total": 1000, "memory_used": 900}]"#)
            let monitor = monitor(file.path)
            let before = monitor.snapshot(includeHost: false)
            #expect(before.gpus.first?.memoryFree == 100)
            #expect(before.gpus.first?.index == 0 && before.gpus.first?.name == "GPU 0")
            folder.write("gpus.json", #"[{"memory_total": 1000, "memory_used": 100}]"#)
            #expect(monitor.snapshot(includeHost: false).gpus.first?.memoryFree == 900)
        }

        @Test func whatSystemJSONPrintsCanBeReadBackAsAFixture() throws {
            let gpu = GPUDevice(index: 3, name: "Round trip", uuid: "GPU-rt", memoryTotal: 10, memoryUsed: 4, memoryFree: 6,
                                utilization: 50, temperature: 40, power: 100.5,
                                processes: [GPUProcess(pid: 9, memory: 4, user: "alice", command: "python x.py")])
            var info = SystemInfo.current(gpus: GPUSnapshot(source: .fixture, gpus: [gpu]))
            info.hostname = "test"
            let data = try JSONEncoder().encode(info)
            let back = try GPUFixture.parse(data).get()
            #expect(back.gpus == [gpu])
        }

        @Test func systemJSONHasTheDocumentedKeysWithNullForUnknown() throws {
            let gpu = GPUDevice(index: 0, name: "G", uuid: "GPU-0", memoryTotal: 10,
                                processes: [GPUProcess(pid: 9, memory: nil)])
            let info = SystemInfo.current(gpus: GPUSnapshot(source: .fixture, gpus: [gpu]))
            let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(info)) as? [String: Any])
            for key in ["cpus", "memory_bytes", "os", "gpus"] { #expect(object[key] != nil, "\(key)") }
            let gpus = try #require(object["gpus"] as? [[String: Any]])
            for key in ["index", "name", "uuid", "memory_used", "memory_total", "utilization", "temperature", "power", "processes"] {
                #expect(gpus[0].keys.contains(key), "\(key)")
            }
            #expect(gpus[0]["memory_used"] is NSNull)
            #expect(gpus[0]["utilization"] is NSNull)
            let process = try #require((gpus[0]["processes"] as? [[String: Any]])?.first)
            for key in ["pid", "memory", "task"] { #expect(process.keys.contains(key), "\(key)") }
            #expect(process["task"] is NSNull)
        }

        @Test func aBrokenFixtureGivesNoGPUsAndSaysWhy() throws {
            let folder = TempFolder("aiarts-fixture")
            let bad = folder.write("bad.json", #"{"gpus": [{"memory_used": "lots"}]}"#)
            let snapshot = monitor(bad.path).snapshot(includeHost: false)
            #expect(snapshot.source == .fixture && snapshot.gpus.isEmpty)
            #expect(snapshot.reason?.contains("is not a GPU list") == true)
            #expect(snapshot.reason?.contains("memory_used") == true)

            let missing = monitor(folder.path("nothing.json").path).snapshot(includeHost: false)
            #expect(missing.gpus.isEmpty && missing.reason?.contains("cannot read") == true)

            let notJSON = folder.write("text.json", "not json at all")
            #expect(monitor(notJSON.path).snapshot(includeHost: false).reason != nil)
        }

        @Test func fixtureProcessesWithOnlyAPidAreMappedToTheirOwners() throws {
            let folder = TempFolder("aiarts-fixture")
            let file = folder.write("gpus.json", """
                {"gpus": [{"processes": [{"pid": \(getpid()), "memory": 5}, {"pid": \(getpid()), "task": "T0009"}, {"pid": 2147483000}]}]}
                """)
            let me = try #require(ProcessIdentity.current(pid: getpid()))
            let monitor = GPUMonitor(environment: [GPUFixture.environmentKey: file.path],
                                     taskOwners: { [GPUTaskOwner(taskID: "T0001", identity: me)] },
                                     nvml: { .failure(GPUSourceError("unused")) })
            let processes = monitor.snapshot(includeHost: false).gpus[0].processes
            #expect(processes[0].task == "T0001" && processes[0].memory == 5 && processes[0].command != nil)
            #expect(processes[1].task == "T0009" && processes[1].command == nil)  // as written
            #expect(processes[2].foreign)
        }

        @Test func anEmptyListMeansNoGPU() throws {
            let folder = TempFolder("aiarts-fixture")
            let file = folder.write("none.json", #"{"gpus": [], "reason": "fixture: no GPU"}"#)
            let snapshot = monitor(file.path).snapshot()
            #expect(snapshot.gpus.isEmpty && snapshot.reason == "fixture: no GPU")
            #expect(snapshot.host != nil)
        }
    }
}

extension GPUTests {
    @Suite struct GPUProbeMonitorTests {
        @Test func theQueueSeesFreeMemoryInMiBFromTheMonitor() {
            let monitor = GPUMonitor(environment: [GPUFixture.environmentKey: GPUFixtures.url("fixture-two-gpus.json").path],
                                     nvml: { .failure(GPUSourceError("unused")) })
            #expect(GPUProbe.monitor(monitor).read() == [
                GPUCapacity(index: 0, totalMiB: 24576, freeMiB: 20480),
                GPUCapacity(index: 1, totalMiB: 24576, freeMiB: 24576),
            ])
        }

        @Test func aGPUWithUnknownMemoryIsLeftOut() throws {
            let nvml = try RecordedNVML(root: ["devices": [["name": "A", "uuid": "GPU-a", "memory_v2": "NOT_SUPPORTED", "memory": "NOT_SUPPORTED"],
                                                           ["name": "B", "uuid": "GPU-b", "memory_v2": ["total": 2_147_483_648, "free": 1_073_741_824, "used": 1_073_741_824]]]])
            let monitor = GPUMonitor(environment: [:], nvml: { .success(nvml) })
            #expect(monitor.capacities() == [GPUCapacity(index: 1, totalMiB: 2048, freeMiB: 1024)])
        }
    }
}
