export { startGpuPoller, type GpuPoller, type GpuPollerLog, type GpuPollerOptions } from './poller.js';
export { forgetUnobservedGauges } from './temporality.js';
export { GPU_GAUGES, type GpuGaugeRow } from './gauges.js';
export { NVIDIA_SMI_ARGS, NvidiaSmiParseError, parseNvidiaSmiCsv, type GpuSample, type UnparsableLine } from './parse.js';
