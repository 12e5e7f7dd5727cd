/* A stand-in libnvidia-ml for tests: built into a shared library at test time and opened through
 * NVMLLibrary (dlopen/dlsym), so the real call path and the C struct layouts are exercised without a GPU.
 * It exports the _v2 process call but not _v3 (the reader must fall back), checks the version field of
 * nvmlMemory_v2_t, reports 40 processes (more than the reader's first buffer) and no fan symbol at all. */
#include <string.h>

typedef struct { unsigned int version; unsigned long long total, reserved, free, used; } mem2_t;
typedef struct { unsigned int pid; unsigned long long usedGpuMemory; unsigned int gi, ci; } proc2_t;
typedef struct { unsigned int gpu, memory; } util_t;
typedef struct dev *dev_t;
static struct dev { int index; } devices[2] = {{0}, {1}};
static int started = 0;

int nvmlInit_v2(void) { started = 1; return 0; }
int nvmlShutdown(void) { started = 0; return 0; }
int nvmlSystemGetDriverVersion(char *v, unsigned int n) { strncpy(v, "999.1.2", n); return 0; }
int nvmlDeviceGetCount_v2(unsigned int *c) { if (!started) return 1; *c = 2; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, dev_t *d) { if (i > 1) return 2; *d = &devices[i]; return 0; }
int nvmlDeviceGetName(dev_t d, char *s, unsigned int n) { strncpy(s, d->index ? "Fake GPU B" : "Fake GPU A", n); return 0; }
int nvmlDeviceGetUUID(dev_t d, char *s, unsigned int n) { strncpy(s, d->index ? "GPU-fake-b" : "GPU-fake-a", n); return 0; }
int nvmlDeviceGetMemoryInfo_v2(dev_t d, mem2_t *m) {
    if (m->version != ((unsigned int)sizeof(mem2_t) | (2u << 24))) return 25; /* ARGUMENT_VERSION_MISMATCH */
    m->total = 8ull << 30; m->reserved = 1ull << 28; m->used = (unsigned long long)(d->index + 1) << 30; m->free = m->total - m->used;
    return 0;
}
int nvmlDeviceGetUtilizationRates(dev_t d, util_t *u) { u->gpu = 70 + d->index; u->memory = 30; return 0; }
int nvmlDeviceGetTemperature(dev_t d, int sensor, unsigned int *t) { if (sensor != 0) return 2; *t = 55; return 0; }
int nvmlDeviceGetPowerUsage(dev_t d, unsigned int *mw) { *mw = 123456; return 0; }
int nvmlDeviceGetEnforcedPowerLimit(dev_t d, unsigned int *mw) { return 3; /* NOT_SUPPORTED */ }
int nvmlDeviceGetClockInfo(dev_t d, int type, unsigned int *mhz) { *mhz = 1000 + (unsigned int)type; return 0; }
int nvmlDeviceGetPcieThroughput(dev_t d, int counter, unsigned int *kbs) { *kbs = counter ? 200 : 100; return 0; }
int nvmlDeviceGetMigMode(dev_t d, unsigned int *cur, unsigned int *pend) { return 3; }
int nvmlDeviceGetComputeRunningProcesses_v2(dev_t d, unsigned int *count, proc2_t *infos) {
    unsigned int n = d->index == 0 ? 40 : 0;
    if (*count < n || (n > 0 && infos == 0)) { *count = n; return 7; /* INSUFFICIENT_SIZE */ }
    for (unsigned int i = 0; i < n; i++) {
        infos[i].pid = 5000 + i; infos[i].usedGpuMemory = (unsigned long long)(i + 1) << 20;
        infos[i].gi = 0xFFFFFFFFu; infos[i].ci = 0xFFFFFFFFu;
    }
    *count = n;
    return 0;
}
