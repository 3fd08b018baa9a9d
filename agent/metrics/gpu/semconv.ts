// Keys and values from the OpenTelemetry hardware semantic conventions (Development status) that the
// GPU gauges use. Kept as constants here, as agent/semconv.ts does for GenAI, rather than
// imported from the incubating entry point, which is not stable API.

export const ATTR_HW_ID = 'hw.id';
export const ATTR_HW_NAME = 'hw.name';
export const ATTR_HW_MODEL = 'hw.model';
export const ATTR_HW_TYPE = 'hw.type';
export const ATTR_HW_VENDOR = 'hw.vendor';
export const ATTR_HW_GPU_TASK = 'hw.gpu.task';

export const HW_TYPE_VALUE_GPU = 'gpu';
export const HW_GPU_TASK_VALUE_GENERAL = 'general';
