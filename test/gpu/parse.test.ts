import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NVIDIA_SMI_ARGS, NvidiaSmiParseError, parseNvidiaSmiCsv } from '../../agent/metrics/gpu/parse.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

function parseError(output: string): NvidiaSmiParseError {
  try {
    parseNvidiaSmiCsv(output);
  } catch (error) {
    if (error instanceof NvidiaSmiParseError) return error;
    throw error;
  }
  throw new Error('expected NvidiaSmiParseError');
}

describe('parseNvidiaSmiCsv', () => {
  it('asks nvidia-smi for exactly the documented query', () => {
    expect(NVIDIA_SMI_ARGS).toEqual([
      '--query-gpu=index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit',
      '--format=csv,noheader,nounits',
    ]);
  });

  it('reads one H100 with every value, in nvidia-smi units', () => {
    expect(parseNvidiaSmiCsv(fixture('h100.csv'))).toEqual([
      {
        index: '0',
        uuid: 'GPU-4c7f8d2e-9a1b-4e63-8f0d-2b5a7c9e1d34',
        name: 'NVIDIA H100 80GB HBM3',
        values: {
          'utilization.gpu': 87,
          'utilization.memory': 54,
          'memory.used': 61234,
          'memory.total': 81559,
          'temperature.gpu': 64,
          'power.draw': 512.37,
          'power.limit': 700,
        },
      },
    ]);
  });

  it('reads eight GPUs in order', () => {
    const gpus = parseNvidiaSmiCsv(fixture('h100-x8.csv'));
    expect(gpus.map((gpu) => gpu.index)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(new Set(gpus.map((gpu) => gpu.uuid)).size).toBe(8);
    expect(gpus[4]!.values['power.draw']).toBe(71.23);
  });

  it('leaves out [N/A], [Not Supported], N/A and [Unknown Error] instead of reporting 0', () => {
    const [a10g] = parseNvidiaSmiCsv(fixture('a10g-power-na.csv'));
    expect(a10g!.values).toEqual({
      'utilization.gpu': 35,
      'utilization.memory': 12,
      'memory.used': 10240,
      'memory.total': 23028,
      'temperature.gpu': 41,
    });

    const [h100, other] = parseNvidiaSmiCsv(fixture('mixed-not-available.csv'));
    expect(Object.keys(h100!.values).sort()).toEqual(['memory.total', 'memory.used', 'power.draw', 'power.limit', 'utilization.gpu']);
    expect(Object.keys(other!.values).sort()).toEqual(['memory.total', 'memory.used', 'power.draw', 'temperature.gpu', 'utilization.memory']);
  });

  it('keeps spaces and commas in GPU names (nvidia-smi does not quote them)', () => {
    const [gpu] = parseNvidiaSmiCsv('3, GPU-aa, NVIDIA RTX 6000 Ada Generation, Rev. A, 5, 1, 100, 49140, 30, 20.5, 300.00\n');
    expect(gpu).toMatchObject({ index: '3', uuid: 'GPU-aa', name: 'NVIDIA RTX 6000 Ada Generation, Rev. A' });
    expect(gpu!.values['utilization.gpu']).toBe(5);
    expect(gpu!.values['power.limit']).toBe(300);
  });

  it('accepts Windows line ends, blank lines and trailing whitespace', () => {
    const output = '\r\n0, GPU-a, NVIDIA A10G, 1, 2, 3, 23028, 40, 55.10, 300.00   \r\n\r\n1, GPU-b, NVIDIA A10G, 4, 5, 6, 23028, 41, 56.20, 300.00\t\r\n';
    const gpus = parseNvidiaSmiCsv(output);
    expect(gpus.map((gpu) => [gpu.uuid, gpu.values['power.limit']])).toEqual([
      ['GPU-a', 300],
      ['GPU-b', 300],
    ]);
  });

  it('returns no GPUs for empty output', () => {
    expect(parseNvidiaSmiCsv('')).toEqual([]);
    expect(parseNvidiaSmiCsv('\n\n')).toEqual([]);
  });

  it('rejects an error message printed instead of CSV, naming the line', () => {
    const error = parseError('Failed to initialize NVML: Driver/library version mismatch\n');
    expect(error.lines).toEqual([
      {
        lineNumber: 1,
        text: 'Failed to initialize NVML: Driver/library version mismatch',
        reason: 'expected 10 columns, got 1',
      },
    ]);
    expect(error.message).toContain('line 1: expected 10 columns, got 1');
  });

  it('rejects the whole output when one line is garbled, listing only the bad lines', () => {
    const good = '0, GPU-a, NVIDIA A10G, 1, 2, 3, 23028, 40, 55.10, 300.00';
    const error = parseError(`${good}\n\n1, GPU-b, NVIDIA A10G, 4 %, 5, 6, 23028, 41, 56.20, 300.00\n${good}\nx, GPU-c, NVIDIA A10G, 1, 2, 3, 4, 5, 6, 7\n`);
    expect(error.lines.map((line) => [line.lineNumber, line.reason])).toEqual([
      [3, 'utilization.gpu "4 %" is not a number'],
      [5, 'index "x" is not a GPU index'],
    ]);
  });

  it('rejects a line whose UUID is missing', () => {
    expect(parseError('0, [N/A], NVIDIA A10G, 1, 2, 3, 4, 5, 6, 7').lines[0]!.reason).toBe('uuid "[N/A]" is not a GPU UUID');
  });
});
