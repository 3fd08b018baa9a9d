// The GPU gauges: one table row per nvidia-smi column, with its name, unit and conversion under
// both naming profiles, and one batch callback that reports whatever snapshot the poller holds.
//
// Exposed names: the `prometheus` column is written as exposed. Its units are UCUM and each name
// already ends with the unit's Prometheus word (By → _bytes, Cel → _celsius, W → _watts,
// % → _percent), so the name comes out unchanged from the exposition writer (metrics/openmetrics.ts),
// which appends the unit's word only where the name does not already end with it.
//
// The `otel` column follows the hardware semantic conventions (Development status) where they have
// the metric: hw.gpu.utilization, hw.gpu.memory.usage, hw.gpu.memory.limit, hw.temperature,
// hw.power. Two nvidia-smi values have no convention and get the agent's own `llm.` names:
// - utilization.memory is the share of time the memory controller was busy, not the share of
//   memory in use that hw.gpu.memory.utilization means (usage / limit: a query can divide the two
//   memory gauges below);
// - power.limit: the conventions define limits only for other components (hw.temperature.limit,
//   hw.power_supply.limit...), none for a GPU's power cap.
// Every row is an observable gauge. The conventions make hw.gpu.memory.usage and .limit
// UpDownCounters; a gauge carries the same value and is the only asynchronous instrument whose
// series can be forgotten when a GPU disappears (see temporality.ts).
import type { Attributes, BatchObservableCallback, Meter, ObservableGauge } from '@opentelemetry/api';
import type { NamingProfile } from '../names.js';
import type { GpuSample, NumericColumn } from './parse.js';
import {
  ATTR_HW_GPU_TASK,
  ATTR_HW_ID,
  ATTR_HW_MODEL,
  ATTR_HW_NAME,
  ATTR_HW_TYPE,
  ATTR_HW_VENDOR,
  HW_GPU_TASK_VALUE_GENERAL,
  HW_TYPE_VALUE_GPU,
} from './semconv.js';

interface GaugeName {
  readonly name: string;
  readonly unit: string;
  /** From nvidia-smi's unit to this profile's unit. */
  readonly convert: (value: number) => number;
  /** Constant attributes this gauge adds in this profile. */
  readonly constants?: Attributes;
}

export interface GpuGaugeRow {
  readonly column: NumericColumn;
  readonly description: string;
  readonly prometheus: GaugeName;
  readonly otel: GaugeName;
}

const asIs = (value: number): number => value;
const percentToRatio = (percent: number): number => percent / 100;
const mebibytesToBytes = (mebibytes: number): number => mebibytes * 1024 * 1024;

export const GPU_GAUGES: readonly GpuGaugeRow[] = [
  {
    column: 'utilization.gpu',
    description: 'Share of time one or more kernels ran on the GPU over the driver\'s last sample period.',
    prometheus: { name: 'llm_gpu_utilization_percent', unit: '%', convert: asIs },
    otel: {
      name: 'hw.gpu.utilization',
      unit: '1',
      convert: percentToRatio,
      constants: { [ATTR_HW_GPU_TASK]: HW_GPU_TASK_VALUE_GENERAL },
    },
  },
  {
    column: 'utilization.memory',
    description: 'Share of time GPU memory was being read or written over the driver\'s last sample period.',
    prometheus: { name: 'llm_gpu_memory_utilization_percent', unit: '%', convert: asIs },
    otel: { name: 'llm.gpu.memory_controller.utilization', unit: '1', convert: percentToRatio },
  },
  {
    column: 'memory.used',
    description: 'GPU memory allocated by active contexts.',
    prometheus: { name: 'llm_gpu_memory_used_bytes', unit: 'By', convert: mebibytesToBytes },
    otel: { name: 'hw.gpu.memory.usage', unit: 'By', convert: mebibytesToBytes },
  },
  {
    column: 'memory.total',
    description: 'GPU memory installed.',
    prometheus: { name: 'llm_gpu_memory_total_bytes', unit: 'By', convert: mebibytesToBytes },
    otel: { name: 'hw.gpu.memory.limit', unit: 'By', convert: mebibytesToBytes },
  },
  {
    column: 'temperature.gpu',
    description: 'GPU core temperature.',
    prometheus: { name: 'llm_gpu_temperature_celsius', unit: 'Cel', convert: asIs },
    otel: { name: 'hw.temperature', unit: 'Cel', convert: asIs },
  },
  {
    column: 'power.draw',
    description: 'Last measured power draw of the whole board.',
    prometheus: { name: 'llm_gpu_power_watts', unit: 'W', convert: asIs },
    otel: { name: 'hw.power', unit: 'W', convert: asIs },
  },
  {
    column: 'power.limit',
    description: 'Software power limit of the board.',
    prometheus: { name: 'llm_gpu_power_limit_watts', unit: 'W', convert: asIs },
    otel: { name: 'llm.gpu.power.limit', unit: 'W', convert: asIs },
  },
];

/** The labels that identify one GPU, per profile. */
const GPU_LABELS: Record<NamingProfile, (gpu: GpuSample) => Attributes> = {
  prometheus: (gpu) => ({ gpu_id: gpu.index, gpu_uuid: gpu.uuid, gpu_name: gpu.name }),
  // hw.id must be unique on the host and should not move: the UUID, not the index, which changes
  // with CUDA_VISIBLE_DEVICES and hardware changes. The product name is what hw.model describes;
  // hw.name keeps the index people know from nvidia-smi.
  otel: (gpu) => ({
    [ATTR_HW_ID]: gpu.uuid,
    [ATTR_HW_NAME]: `gpu${gpu.index}`,
    [ATTR_HW_MODEL]: gpu.name,
    [ATTR_HW_TYPE]: HW_TYPE_VALUE_GPU,
    [ATTR_HW_VENDOR]: 'NVIDIA',
  }),
};

/**
 * Creates the gauges and registers one batch callback that reports `current()` at each collection.
 * Returns the function that unregisters it.
 */
export function registerGpuGauges(
  meter: Meter,
  naming: NamingProfile,
  current: () => readonly GpuSample[],
): () => void {
  const gauges = GPU_GAUGES.map((row) => {
    const spec = row[naming];
    const gauge: ObservableGauge = meter.createObservableGauge(spec.name, {
      description: row.description,
      unit: spec.unit,
    });
    return { column: row.column, spec, gauge };
  });
  const observables = gauges.map(({ gauge }) => gauge);

  const report: BatchObservableCallback = (result) => {
    for (const gpu of current()) {
      const labels = GPU_LABELS[naming](gpu);
      for (const { column, spec, gauge } of gauges) {
        const value = gpu.values[column];
        if (value === undefined) continue;
        result.observe(gauge, spec.convert(value), spec.constants ? { ...labels, ...spec.constants } : labels);
      }
    }
  };
  meter.addBatchObservableCallback(report, observables);
  return () => meter.removeBatchObservableCallback(report, observables);
}
