import Foundation

extension GPUProbe {
    /// The task queue's view of the GPUs, read through a `GPUMonitor` (NVML, else nvidia-smi, or the
    /// `AIARTS_GPU_FIXTURE` file): each GPU whose total memory is known, with its free memory in MiB.
    public static func monitor(_ monitor: GPUMonitor) -> GPUProbe {
        GPUProbe { monitor.capacities() }
    }
}

extension GPUMonitor {
    /// Index, total and free memory (MiB) of every GPU whose memory is known; what the queue needs.
    /// Skips process mapping and host use, so it is cheap.
    public func capacities() -> [GPUCapacity] {
        gpuOnlySnapshot().gpus.compactMap { gpu in
            guard let total = gpu.memoryTotal, let free = gpu.memoryAvailable else { return nil }
            return GPUCapacity(index: gpu.index, totalMiB: Int(total / 1_048_576), freeMiB: Int(free / 1_048_576))
        }
    }
}
