// Type declarations for the parts of NVML (NVIDIA Management Library) aiarts calls.
// Header only: nothing links against libnvidia-ml. The engine loads it with dlopen at run time
// and looks each function up with dlsym, so aiarts builds and runs where no NVIDIA driver exists.
// Layouts follow the driver's public ABI (nvml.h); the names carry a cnvml_ prefix so they never
// clash with a real nvml.h.
#pragma once

typedef int cnvml_return_t;              // nvmlReturn_t
typedef struct cnvml_device_st *cnvml_device_t;  // nvmlDevice_t: an opaque handle

// nvmlMemory_t (nvmlDeviceGetMemoryInfo), bytes.
typedef struct {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} cnvml_memory_v1_t;

// nvmlMemory_v2_t (nvmlDeviceGetMemoryInfo_v2): `version` must be set by the caller.
typedef struct {
    unsigned int version;
    unsigned long long total;
    unsigned long long reserved;
    unsigned long long free;
    unsigned long long used;
} cnvml_memory_v2_t;

// nvmlUtilization_t, percent over the driver's last sample period.
typedef struct {
    unsigned int gpu;
    unsigned int memory;
} cnvml_utilization_t;

// nvmlProcessInfo_v1_t: nvmlDeviceGetComputeRunningProcesses.
typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
} cnvml_process_info_v1_t;

// nvmlProcessInfo_v2_t: nvmlDeviceGetComputeRunningProcesses_v2.
typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
} cnvml_process_info_v2_t;

// nvmlProcessInfo_t as of driver 510+: nvmlDeviceGetComputeRunningProcesses_v3.
typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
    unsigned long long usedGpuCcProtectedMemory;
} cnvml_process_info_v3_t;

// sizeof(nvmlMemory_v2_t) | (2 << 24): the NVML_STRUCT_VERSION macro for nvmlMemory_v2.
#define CNVML_MEMORY_V2_VERSION ((unsigned int)(sizeof(cnvml_memory_v2_t) | (2u << 24)))
static inline unsigned int cnvml_memory_v2_version(void) { return CNVML_MEMORY_V2_VERSION; }
